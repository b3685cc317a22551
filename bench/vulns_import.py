"""Benchmark: streaming NVD import vs. a bare ``json.load`` of the same bytes.

Builds an NVD API 2.0 document of N records (default 300,000) in a temp file
by replicating the real records of ../shared/data/nvd under new CVE ids, then
measures, each in a fresh subprocess so peak memory belongs to one job:

* ``stream``          ``iter_nvd_file`` — parse every record into a CveRecord
* ``stream+classify`` the same plus the AI relevance decision per record
* ``json.load``       the standard library parsing the whole document at once
* ``import:<store>``  the real ``threatvec cves import FILE`` into a fresh
                      database (``--store sqlite`` and/or ``--pg-url URL``):
                      parse, classify, store the CVEs, their raw JSON and
                      CPE ranges, and score them for an org — the full import

Peak memory is the process's maximum resident set size (``ru_maxrss``).

    .venv/bin/python bench/vulns_import.py [--records 300000] [--gzip]
        [--store sqlite] [--pg-url postgresql+psycopg://...] [--skip-parse]
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("THREATVEC_SHARED_DATA") or ROOT / ".." / "shared" / "data")


def build_file(path: Path, n: int, *, compress: bool = False) -> int:
    """Write n records (real ones, renumbered) as one NVD document; return bytes written."""
    sources = []
    for name in ("nvd_sample_dev.json", "nvd_sample_dev2.json"):
        sources.extend(
            v["cve"] for v in json.loads((DATA / "nvd" / name).read_text())["vulnerabilities"]
        )
    with gzip.open(path, "wt", compresslevel=1) if compress else path.open("w") as out:
        out.write(
            f'{{"resultsPerPage":{n},"startIndex":0,"totalResults":{n},"format":"NVD_CVE",'
            '"version":"2.0","timestamp":"2026-01-01T00:00:00.000","vulnerabilities":['
        )
        for i in range(n):
            cve = copy.copy(sources[i % len(sources)])
            cve["id"] = f"CVE-2100-{100000 + i}"
            if i:
                out.write(",")
            out.write(json.dumps({"cve": cve}, separators=(",", ":")))
        out.write("]}")
    return path.stat().st_size


def measure(kind: str, path: str) -> None:
    """Run one measurement in this process and print a JSON line."""
    sys.path.insert(0, str(ROOT / "src"))
    from threatvec.vulns.nvd import iter_nvd_file
    from threatvec.vulns.relevance import classify

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    count = ai = 0
    if kind.startswith("import:"):
        from threatvec.cli import app

        # The real CLI in this process, so its peak memory is this process's.
        app(["cves", "import", path], standalone_mode=False)
        count = int(os.environ["TV_BENCH_RECORDS"])
    elif kind == "json.load":
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as fh:
            doc = json.load(fh)
        count = len(doc["vulnerabilities"])
    else:
        for rec in iter_nvd_file(path):
            count += 1
            if kind == "stream+classify":
                ai += classify(rec).ai_relevant
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "kind": kind,
                "records": count,
                "seconds": round(elapsed, 2),
                "records_per_s": round(count / elapsed),
                "peak_rss_mb": round(peak / 1024),
                "baseline_rss_mb": round(base / 1024),
                "ai": ai,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=300_000)
    ap.add_argument("--gzip", action="store_true", help="also time the .gz variant")
    ap.add_argument("--store", choices=["sqlite"], help="also time the full import into SQLite")
    ap.add_argument("--pg-url", help="also time the full import into this (empty) PostgreSQL db")
    ap.add_argument("--skip-parse", action="store_true", help="only the import rows")
    ap.add_argument("--measure", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    with tempfile.TemporaryDirectory() as tmp:
        files = [Path(tmp) / "nvd.json"]
        size = build_file(files[0], args.records)
        print(f"{args.records} records, {size / 1e6:.0f} MB of JSON")
        if args.gzip:
            files.append(Path(tmp) / "nvd.json.gz")
            gz_size = build_file(files[1], args.records, compress=True)
            print(f"gzip: {gz_size / 1e6:.0f} MB")
        print("| input | method | records/s | MB/s | peak RSS (MB) |")
        print("|---|---|---:|---:|---:|")
        kinds = [] if args.skip_parse else ["stream", "stream+classify", "json.load"]
        stores: dict[str, str] = {}
        if args.store == "sqlite":
            stores["import:sqlite"] = f"sqlite:///{tmp}/import.db"
        if args.pg_url:
            stores["import:postgres"] = args.pg_url
        for f in files:
            for kind in [*kinds, *stores]:
                env = {**os.environ, "TV_BENCH_RECORDS": str(args.records)}
                if kind in stores:
                    if kind == "import:sqlite":
                        Path(f"{tmp}/import.db").unlink(missing_ok=True)
                    env.update(THREATVEC_DATABASE_URL=stores[kind], THREATVEC_DATA_DIR=tmp)
                out = subprocess.run(
                    [sys.executable, __file__, "--measure", kind, str(f)],
                    check=True,
                    capture_output=True,
                    text=True,
                    env=env,
                ).stdout
                r = json.loads(out.strip().splitlines()[-1])
                mbps = size / 1e6 / r["seconds"]
                print(
                    f"| {f.name} | {kind} | {r['records_per_s']:,} | {mbps:.0f} | "
                    f"{r['peak_rss_mb']:,} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
