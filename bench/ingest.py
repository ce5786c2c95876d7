"""Ingest benchmark: records/s written through the public API, embeddings included, per backend.

    HF_HUB_OFFLINE=1 PYTHONPATH=. python bench/ingest.py [N] [--batch B] [--locomo PATH]

Writes N records (default 2,000) into a fresh embedded store through ``OrgMind.record_many`` in
batches of B (default 500), twice in one run, each in its own process: with the embedding model
on sentence-transformers (torch), the path before ONNX Runtime, and with the shipped default
(ONNX Runtime when it is available). The records are the seeded ``orgmind.sample`` history, or,
with ``--locomo PATH``, the turns of the LoCoMo conversations in PATH (read from there, never
copied). Reported per backend: records/s and searchable documents/s from the first write to the
last (model loading excluded), the time spent embedding, and the load average before and after;
then the after/before ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BACKENDS = ("sentence-transformers", "onnxruntime")


def measure(backend: str, n: int, batch: int, locomo: Path | None) -> dict[str, float | str]:
    """Ingest in this process with ``backend``; a dict of figures."""
    if backend == "sentence-transformers":
        sys.modules["onnxruntime"] = None  # type: ignore[assignment]  # the import fails: the torch path
    from orgmind.mind import OrgMind
    from orgmind.retrieval.documents import SEARCHABLE
    from orgmind.retrieval.embedder import Embedder

    nodes = records(n, locomo)
    embedder = Embedder.load()
    if embedder.backend != backend:
        raise SystemExit(f"wanted the {backend} backend, got {embedder.backend}")
    embedded = [0.0]
    original = embedder.embed_documents

    def timed(texts: list[str], batch_size: int = 64) -> object:
        started = time.perf_counter()
        try:
            return original(texts, batch_size)
        finally:
            embedded[0] += time.perf_counter() - started

    embedder.embed_documents = timed  # type: ignore[method-assign,assignment]
    with tempfile.TemporaryDirectory(prefix="orgmind-ingest-") as home:
        mind = OrgMind.open(home=home)
        try:
            load_before = os.getloadavg()[0]
            started = time.perf_counter()
            for start in range(0, len(nodes), batch):
                mind.record_many(nodes[start : start + batch])
            elapsed = time.perf_counter() - started
            load_after = os.getloadavg()[0]
        finally:
            mind.close()
    searchable = sum(node.label in SEARCHABLE for node in nodes)
    return {"backend": backend, "records": len(nodes), "searchable": searchable, "seconds": elapsed,
            "embedding_s": embedded[0], "load_before": load_before, "load_after": load_after}


def records(n: int, locomo: Path | None) -> list:  # type: ignore[type-arg]
    if locomo is None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from recall import synthetic

        return synthetic(n)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from locomo import load

    out = [record for conversation in load(locomo) for record in conversation.records]
    return out[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=2000, help="records to write")
    parser.add_argument("--batch", type=int, default=500, help="records per record_many call")
    parser.add_argument("--locomo", type=Path, help="write the turns of the LoCoMo files in this folder")
    parser.add_argument("--backend", choices=BACKENDS, help=argparse.SUPPRESS)  # one measurement, in this process
    args = parser.parse_args()
    if args.locomo and not any(args.locomo.glob("*.json")):
        parser.error(f"--locomo {args.locomo}: no LoCoMo files (*.json) there")
    if args.backend:
        print(json.dumps(measure(args.backend, args.n, args.batch, args.locomo)))
        return
    results = []
    for backend in BACKENDS:
        command = [sys.executable, __file__, str(args.n), "--batch", str(args.batch), "--backend", backend]
        if args.locomo:
            command += ["--locomo", str(args.locomo)]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{results[0]['records']} records ({results[0]['searchable']} searchable), batches of {args.batch}, "
          f"{os.cpu_count()} CPUs\n")
    print("| embedding backend | records/s | searchable docs/s | embedding share | load average before / after |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['backend']} | {r['records'] / r['seconds']:.0f} | {r['searchable'] / r['seconds']:.0f} | "
              f"{r['embedding_s'] / r['seconds']:.0%} | {r['load_before']:.1f} / {r['load_after']:.1f} |")
    print(f"\nafter / before: {results[0]['seconds'] / results[1]['seconds']:.2f}x records/s")


if __name__ == "__main__":
    main()
