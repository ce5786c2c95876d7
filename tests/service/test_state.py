"""The service's modes: reads beside writes, writes one at a time, exclusive calls alone."""

from __future__ import annotations

import threading
from typing import cast

from orgmind.mind import OrgMind
from orgmind.service.state import ServiceState


def opened() -> ServiceState:
    state = ServiceState()
    state.mind = cast(OrgMind, object())  # the modes only hand it on
    return state


def entered(mode: object, timeout: float) -> bool:
    """Whether a thread gets into ``mode`` (a context manager factory) within ``timeout``."""
    done = threading.Event()

    def run() -> None:
        with mode():  # type: ignore[operator]
            done.set()

    threading.Thread(target=run, daemon=True).start()
    return done.wait(timeout)


def test_reads_run_beside_a_write_and_writes_wait_for_each_other() -> None:
    state = opened()
    with state.write():
        assert entered(state.read, 5)
        assert not entered(state.write, 0.3)
    assert entered(state.write, 5)


def test_exclusive_waits_for_reads_and_holds_back_everything() -> None:
    state = opened()
    with state.read():
        assert not entered(state.exclusive, 0.3)
    with state.exclusive():
        assert not entered(state.read, 0.3)
        assert not entered(state.write, 0.3)
