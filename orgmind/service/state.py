"""The one OrgMind a server process owns, and the locks that let reads run beside writes.

Three modes:

- ``read`` (recall, listings, wake-ups): any number at once, beside the writes. A wake-up
  records its WakeUp and Brief through ``Store.commit``, which runs commits one at a time.
- ``write`` (records, approvals): one at a time, so a gate's check and its commit are not
  interleaved with another write; reads go on meanwhile.
- ``exclusive`` (imports, synthesis, pattern mining, deleting a venture, recording a venture,
  whose sharing may narrow): alone, with no read or write in flight, so that nothing built from
  the old state (a brief quoting a venture that stops sharing, say) is stored after it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from orgmind.errors import StoreUnavailable
from orgmind.mind import OrgMind


class ReadWriteLock:
    """Many readers or one writer; a waiting writer holds back new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class ServiceState:
    """The opened OrgMind (None until ready) and its locks."""

    def __init__(self) -> None:
        self.mind: OrgMind | None = None
        self.lock = ReadWriteLock()
        self._writer = threading.Lock()

    def require(self) -> OrgMind:
        if self.mind is None:
            raise StoreUnavailable("the service is starting or stopping; the stores are not open")
        return self.mind

    @contextmanager
    def read(self) -> Iterator[OrgMind]:
        mind = self.require()
        with self.lock.reading():
            yield mind

    @contextmanager
    def write(self) -> Iterator[OrgMind]:
        mind = self.require()
        with self.lock.reading(), self._writer:
            yield mind

    @contextmanager
    def exclusive(self) -> Iterator[OrgMind]:
        mind = self.require()
        with self.lock.writing():
            yield mind
