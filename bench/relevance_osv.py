"""Benchmark: AI relevance on real PyPI advisories, out of sample (issue 5).

The labelled set of bench/relevance.py was written alongside the rules. This
one was not: ../shared/data/osv/pypa-advisory-database holds 2,661 real
PyPI advisories over 664 packages, and each package was labelled by hand
(tests/vectors/ai_relevance_osv_packages.json: ai / not / ambiguous, with
why) before the classifier was run on them. Ambiguous packages are left out
of the scores.

Each advisory becomes the record a not-yet-analysed NVD entry would be: id
from its CVE alias (else a placeholder id, reported by the advisory id),
English description = the advisory's ``details``, status "Awaiting
Analysis", no CPE configurations. It is parsed by the same parser and
classified by the same call as ``threatvec detect ai-relevance``. Two modes:

- ``description``: ``classify(record)`` — what the CLI sees.
- ``package``: ``classify(record, packages=advisory.package_names)`` — what
  an OSV import sees (ingest passes the affected package names).

Honest split: packages are cut into halves A and B by a fixed rule chosen
before any error was read (``half_of``: SHA-256 of the package *family*
name, so tensorflow / tensorflow-cpu / tensorflow-gpu stay together). Rules
were tuned on half A only; half B is the out-of-sample number.

    .venv/bin/python bench/relevance_osv.py [--half A|B|all] [--mode description|package]
                                            [--show-errors] [--limit N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = Path(os.environ.get("THREATVEC_SHARED_DATA") or ROOT / ".." / "shared" / "data")
ADVISORIES = DATA / "osv" / "pypa-advisory-database" / "vulns"
LABELS = ROOT / "tests" / "vectors" / "ai_relevance_osv_packages.json"

from threatvec.vulns.nvd import CveRecord, parse_nvd_document  # noqa: E402
from threatvec.vulns.osv import OsvAdvisory, load_osv_file  # noqa: E402
from threatvec.vulns.relevance import RelevanceDecision, classify  # noqa: E402

MODES = ("description", "package")


def family(package: str) -> str:
    """Build variants of one product share a family (tensorflow-cpu -> tensorflow)."""
    return re.sub(r"-(?:cpu|gpu)$", "", package)


def half_of(package: str) -> str:
    """The fixed split, decided before reading any error: A or B by hash of the family."""
    return "A" if hashlib.sha256(family(package).encode()).digest()[0] % 2 == 0 else "B"


@dataclass(frozen=True)
class Case:
    package: str  # the advisory database folder: whose advisory this is
    label: str  # ai | not | ambiguous
    advisory: OsvAdvisory
    record: CveRecord

    @property
    def shown_id(self) -> str:
        placeholder = self.record.cve_id.startswith("CVE-0000-")
        return self.advisory.id if placeholder else self.record.cve_id


def nvd_document(advisory: OsvAdvisory, placeholder: int) -> dict[str, Any]:
    """The NVD API 2.0 document a fresh, unanalysed NVD record for ``advisory`` would be."""
    cve_ids = advisory.cve_ids
    # The NVD parser takes only CVE ids; advisories without one get a
    # placeholder the report maps back to the advisory id.
    cve_id = cve_ids[0] if cve_ids else f"CVE-0000-{placeholder:06d}"
    when = advisory.published or advisory.modified
    # A few advisories carry a zero date (year 1); NVD would show its own date.
    ok = when is not None and when.year >= 1999
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000") if ok and when else "2024-01-01T00:00:00.000"
    return {
        "format": "NVD_CVE",
        "version": "2.0",
        "vulnerabilities": [
            {
                "cve": {
                    "id": cve_id,
                    "published": stamp,
                    "lastModified": stamp,
                    "vulnStatus": "Awaiting Analysis",
                    "descriptions": [{"lang": "en", "value": advisory.details or advisory.summary}],
                }
            }
        ],
    }


def load_cases(limit: int | None = None) -> list[Case]:
    labels: dict[str, dict[str, str]] = json.loads(LABELS.read_text())
    cases: list[Case] = []
    for folder in sorted(p for p in ADVISORIES.iterdir() if p.is_dir()):
        if folder.name not in labels:
            raise SystemExit(f"package {folder.name} has no label in {LABELS.name}")
        for path in sorted(folder.glob("*.yaml")):
            adv = load_osv_file(path)
            (rec,) = parse_nvd_document(nvd_document(adv, len(cases)))
            cases.append(Case(folder.name, labels[folder.name]["label"], adv, rec))
            if limit and len(cases) >= limit:
                return cases
    return cases


def decide(case: Case, mode: str) -> RelevanceDecision:
    if mode == "package":
        return classify(case.record, packages=case.advisory.package_names)
    return classify(case.record)


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0

    def add(self, truth: bool, said: bool) -> None:
        if truth and said:
            self.tp += 1
        elif said:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    def row(self, name: str) -> str:
        acc = (self.tp + self.tn) / self.n if self.n else 1.0
        prec = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        rec = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return (
            f"| {name} | {self.n} | {acc:.3f} | {prec:.3f} | {rec:.3f} "
            f"| {self.tp} | {self.fp} | {self.tn} | {self.fn} |"
        )


def scored(cases: list[Case], mode: str) -> Iterator[tuple[Case, bool, RelevanceDecision]]:
    for case in cases:
        if case.label == "ambiguous":
            continue
        yield case, case.label == "ai", decide(case, mode)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--half", choices=("A", "B", "all"), default="all")
    ap.add_argument("--mode", choices=(*MODES, "both"), default="both")
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--limit", type=int, default=None, help="first N advisories only")
    args = ap.parse_args()
    if not ADVISORIES.is_dir():
        raise SystemExit(f"advisories not found: {ADVISORIES} (set THREATVEC_SHARED_DATA)")
    cases = load_cases(args.limit)
    labels: dict[str, dict[str, str]] = json.loads(LABELS.read_text())
    per_label = Counter(v["label"] for v in labels.values())
    print(
        f"{len(cases)} advisories over {len({c.package for c in cases})} packages; "
        f"package labels: {per_label['ai']} ai, {per_label['not']} not, "
        f"{per_label['ambiguous']} ambiguous (excluded)\n"
    )
    halves = ("A", "B") if args.half == "all" else (args.half,)
    modes = MODES if args.mode == "both" else (args.mode,)
    print("| mode / half | advisories | accuracy | precision | recall | TP | FP | TN | FN |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    errors: list[str] = []
    for mode in modes:
        total = Score()
        for half in halves:
            part = [c for c in cases if half_of(c.package) == half]
            score, unique, seen = Score(), Score(), set()
            for case, truth, d in scored(part, mode):
                score.add(truth, d.ai_relevant)
                total.add(truth, d.ai_relevant)
                # tensorflow-cpu/-gpu repeat tensorflow's text: count each text once too.
                key = (truth, case.record.description)
                if key not in seen:
                    seen.add(key)
                    unique.add(truth, d.ai_relevant)
                if d.ai_relevant != truth:
                    errors.append(
                        f"  {mode:<11} {half} {'FN' if truth else 'FP'} {case.package:<28} "
                        f"{case.shown_id:<20} {d.reason[:90]} | "
                        f"{' '.join(case.record.description.split())[:140]}"
                    )
            print(score.row(f"{mode} / half {half}"))
            print(unique.row(f"{mode} / half {half}, unique texts"))
        if len(halves) > 1:
            print(total.row(f"{mode} / all"))
    if args.show_errors:
        print(f"\n{len(errors)} errors:")
        print("\n".join(errors))


if __name__ == "__main__":
    main()
