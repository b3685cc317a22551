"""Covert detector start-up: a fresh process's import and a short CLI run, two trees side by side.

What a user waits for in ``threatvec detect covert --jsonl FILE`` or a
one-server ``threatvec mcp scan`` is mostly the detector's start-up, not the
scans. This times, in fresh processes and alternating between two source
trees so both see the same load:

- the import of ``threatvec.detect.covert`` (wall seconds);
- ``threatvec detect covert --jsonl`` on the shared dev set (71 definitions,
  start-up included, wall seconds).

    .venv/bin/python bench/covert_startup.py --before DIR [--after DIR] [--rounds 5]

``DIR`` is a directory holding a ``threatvec`` package, e.g. the ``src`` of
``git archive <rev> src | tar -x -C /tmp/old``; ``--after`` defaults to this
checkout's src/. Prints each round and the median per tree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("THREATVEC_SHARED_DATA", REPO.parent / "shared" / "data"))
DEV = SHARED / "mcp" / "tool_descriptions_dev.jsonl"

_IMPORT = "import threatvec.detect.covert"
_CLI = "import sys; from threatvec.cli import main; sys.exit(main())"


def _wall(src: Path, args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def _check_tree(src: Path) -> None:
    """Fail early when DIR would not be the threatvec a subprocess imports."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", "import threatvec; print(threatvec.__file__)"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    if not Path(done.stdout.strip()).resolve().is_relative_to(src.resolve()):
        raise SystemExit(f"{src}: a subprocess imports threatvec from {done.stdout.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=REPO / "src")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    trees = {"before": args.before, "after": args.after}
    for src in trees.values():
        _check_tree(src)
    runs: dict[str, dict[str, list[float]]] = {k: {"import": [], "cli": []} for k in trees}
    cli = ["-c", _CLI, "detect", "covert", "--jsonl", str(DEV)]
    for i in range(args.rounds):
        # Alternate the order each round so neither tree always runs first.
        order = list(trees.items()) if i % 2 == 0 else list(reversed(trees.items()))
        for name, src in order:
            runs[name]["import"].append(_wall(src, ["-c", _IMPORT]))
            runs[name]["cli"].append(_wall(src, cli))
        load = os.getloadavg()[0]
        print(
            f"round {i + 1} (load {load:.1f}): "
            + "; ".join(
                f"{n} import {runs[n]['import'][-1]:.2f} s, CLI {runs[n]['cli'][-1]:.2f} s"
                for n in trees
            )
        )
    for name in trees:
        imp, run = runs[name]["import"], runs[name]["cli"]
        print(
            f"{name}: import median {statistics.median(imp):.2f} s "
            f"({min(imp):.2f}-{max(imp):.2f}); CLI on the dev set median "
            f"{statistics.median(run):.2f} s ({min(run):.2f}-{max(run):.2f})"
        )


if __name__ == "__main__":
    main()
