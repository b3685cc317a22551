"""Train the learned half of the covert-instruction detector (dev-time, standard library).

Reads the project's labelled tool definitions (tests/vectors/covert_cases.jsonl)
and the shared dev set (../shared/data/mcp/tool_descriptions_dev.jsonl, or
$THREATVEC_SHARED_DATA/mcp/...), extracts the features of
``threatvec.detect._covert_features`` from the ``tool`` object only, and fits
an L2-regularised logistic regression with per-coordinate adaptive gradient
descent written out below (no numpy, no scikit-learn).

Honest measurement:

1. Leave-one-split-out cross-validation over the tuned splits: for each split,
   train on every other tuned split plus the dev set and score the held-out
   split (or, with ``--folds K``, K groups of whole splits). The model
   threshold ``t`` is the lowest at which the model's out-of-fold detections
   add at most ``--target-fpr`` to the rules' pooled false-positive rate;
   the rule gate ``g`` is chosen from the same out-of-fold scores (see ``choose_gate``).
2. The final model is trained on all tuned splits plus the dev set. The blind
   splits (every split named ``blind_*``) are never used for training, for
   choosing ``t`` or ``g``, or for choosing any setting here; they are scored
   once at the end, through the real ``scan_tool``.

Writes src/threatvec/detect/data/covert_model.json (weights as data, not code).

    .venv/bin/python tools/train_covert_model.py [--no-cv] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from threatvec.detect._covert_features import (  # noqa: E402
    DENSE_NAMES,
    dense_features,
    feature_bucket,
    rule_trigger,
    sparse_features,
    tokens,
    tool_units,
    walk,
)
from threatvec.detect._covert_schema import schema_hits  # noqa: E402

CASES = ROOT / "tests" / "vectors" / "covert_cases.jsonl"
SHARED = Path(os.environ.get("THREATVEC_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEV = SHARED / "mcp" / "tool_descriptions_dev.jsonl"
OUT = ROOT / "src" / "threatvec" / "detect" / "data" / "covert_model.json"
# Every split named "blind_*" is held out, whoever adds it: it is never
# trained on, never used to choose t or g, and only scored at the end.
# (Round 4: blind_i became tune_i after one scoring; round 5: blind_j became
# tune_k.)
BLIND_PREFIX = "blind_"


def is_blind(split: str) -> bool:
    return split.startswith(BLIND_PREFIX)


HASH_BITS = 15
WEIGHT_SCALE = 1e-4  # weights are stored as integers of this unit
L2 = 1e-4
EPOCHS = 30
LEARNING_RATE = 0.5
SEED = 20261125
VOCAB_MIN_COUNT = 2

Row = dict[str, Any]
Sparse = list[tuple[int, float]]


def load(path: Path, split: str | None = None) -> list[Row]:
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    if split is not None:
        for r in rows:
            r["split"] = split
    return rows


def featurize(tool: dict[str, Any]) -> tuple[Sparse, list[float], bool]:
    """Sparse hashed vector, dense vector, and whether a cheap rule trigger fired."""
    items = walk(tool, "")
    units, anomalies = tool_units(items)
    name = tool.get("name") if isinstance(tool.get("name"), str) else ""
    desc = tool.get("description") if isinstance(tool.get("description"), str) else ""
    shits = schema_hits(tool, tool_text=f"{name} {desc}")
    schema = tool.get("inputSchema")
    props = schema.get("properties") if isinstance(schema, dict) else None
    n_params = len(props) if isinstance(props, dict) else 0
    dense = dense_features(units, anomalies, [(h.rule_id, h.weight) for h in shits], n_params)
    feats = sparse_features(units)
    counts = Counter(feature_bucket(f, HASH_BITS) for f in feats)
    norm = 1.0 / math.sqrt(len(feats)) if feats else 0.0
    sparse = sorted((j, c * norm) for j, c in counts.items())
    return sparse, dense, rule_trigger(anomalies, len(shits), dense)


_FIRST_SENTENCE_RE = re.compile(r"^(.{3,200}?[.!?])(?:\s|$)", re.DOTALL)
_CUE_WORDS_RE = re.compile(
    r"\b(?:you|your|assistant|model|ai|agent|llm|must|should|always|never|ignore|instead|"
    r"before|after|important|note|do not|don't|user)\b|[<{\[~|`]",
    re.IGNORECASE,
)


def carrier_copy(row: Row) -> Row | None:
    """A benign twin of a poisoned case: its first sentence and its bare schema.

    Poisoned cases are mostly an ordinary tool ("Get the weather for a city.")
    plus a payload. Without twins the model learns the carriers' topics
    (weather, arithmetic) as evidence; with them only the payload is. A first
    sentence that itself carries a cue word is not used.
    """
    tool = row["tool"]
    desc = tool.get("description")
    if not isinstance(desc, str):
        return None
    m = _FIRST_SENTENCE_RE.match(desc.strip())
    first = m.group(1) if m else (desc.strip() if len(desc) <= 120 else "")
    if not first or not first.isascii() or _CUE_WORDS_RE.search(first):
        return None
    schema = tool.get("inputSchema")
    props = schema.get("properties") if isinstance(schema, dict) else None
    bare: dict[str, Any] = {}
    if isinstance(props, dict):
        for name, spec in props.items():
            kind = spec.get("type") if isinstance(spec, dict) else None
            bare[name] = {"type": kind if isinstance(kind, str) and len(kind) < 10 else "string"}
            desc_p = spec.get("description") if isinstance(spec, dict) else None
            if _plain_param_description(desc_p):
                # Round 5: a short, cue-free parameter description ("Optional
                # notes to attach.") stays in the twin, so the model does not
                # learn the words of a side-channel parameter's honest label
                # as evidence; the payload is elsewhere in the definition.
                bare[name]["description"] = desc_p
    twin = {
        "name": tool.get("name", "tool"),
        "description": first,
        "inputSchema": {"type": "object", "properties": bare},
    }
    return {"id": row["id"] + "~carrier", "split": row["split"], "label": "benign", "tool": twin,
            "_aug": True}  # fmt: skip


_PLAIN_PARAM_RE = re.compile(r"[A-Za-z][A-Za-z0-9 ,()'-]{0,80}\.?")


def _plain_param_description(text: object) -> bool:
    """A parameter label with no cue word, path, address or code: nowhere for a payload."""
    return (
        isinstance(text, str)
        and len(text.split()) <= 8
        and _PLAIN_PARAM_RE.fullmatch(text) is not None
        and _CUE_WORDS_RE.search(text) is None
    )


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class Model:
    def __init__(self) -> None:
        self.w = [0.0] * (1 << HASH_BITS)
        self.wd = [0.0] * len(DENSE_NAMES)
        self.b = 0.0

    def logit(self, sparse: Sparse, dense: list[float]) -> float:
        w = self.w
        z = self.b + sum(w[j] * v for j, v in sparse)
        return z + sum(a * b for a, b in zip(self.wd, dense, strict=True))


def train(rows: list[Row], *, l2: float = L2, epochs: int = EPOCHS, seed: int = SEED) -> Model:
    """Logistic loss + L2, one example at a time, AdaGrad step sizes per coordinate.

    The L2 term is applied to the coordinates an example touches (lazy decay),
    which is the usual sparse approximation; the dense weights and the bias
    are touched by every example.
    """
    m = Model()
    gw = [1e-8] * len(m.w)
    gd = [1e-8] * len(m.wd)
    gb = 1e-8
    order = list(range(len(rows)))
    rng = random.Random(seed)
    lr = LEARNING_RATE
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            r = rows[i]
            sparse, dense, y = r["_sparse"], r["_dense"], r["_y"]
            g = sigmoid(m.logit(sparse, dense)) - y
            w = m.w
            for j, v in sparse:
                grad = g * v + l2 * w[j]
                gw[j] += grad * grad
                w[j] -= lr * grad / math.sqrt(gw[j])
            wd = m.wd
            for k, v in enumerate(dense):
                grad = g * v + l2 * wd[k]
                gd[k] += grad * grad
                wd[k] -= lr * grad / math.sqrt(gd[k])
            gb += g * g
            m.b -= lr * g / math.sqrt(gb)
    return m


def rates(pred: list[bool], labels: list[int]) -> tuple[float, float, int, int, int, int]:
    tp = sum(p and y for p, y in zip(pred, labels, strict=True))
    fp = sum(p and not y for p, y in zip(pred, labels, strict=True))
    pos = sum(labels)
    neg = len(labels) - pos
    return tp / max(1, pos), fp / max(1, neg), tp, pos, fp, neg


def choose_threshold(rows: list[Row], target_fpr: float) -> float:
    """Lowest model threshold whose out-of-fold detections add at most ``target_fpr``.

    The added false-positive rate is that of model OR rules minus that of the
    rules alone, pooled out of fold. (Session 7: the rules alone now sit above
    1 % on the pooled splits, which hold 300 real tools and many hard
    negatives, so a target on the combined rate could only be met by a model
    that never fires.)
    """
    labels = [r["_y"] for r in rows]
    _, rule_fpr, *_ = rates([r["_rule"] for r in rows], labels)
    candidates = sorted({round(r["_oof"], 4) for r in rows} | {0.5})
    best = 0.99
    for t in sorted(candidates, reverse=True):
        if t <= 0.05:
            break
        pred = [r["_oof"] >= t or r["_rule"] for r in rows]
        _, fpr, *_ = rates(pred, labels)
        if fpr - rule_fpr <= target_fpr:
            best = t
        else:
            break
    return best


def sweep_thresholds(
    rows: list[Row], thresholds: tuple[float, ...]
) -> list[tuple[float, float, float, float, float]]:
    """Out-of-fold recall / FPR of the model alone and of model OR rules at each threshold."""
    labels = [r["_y"] for r in rows]
    out = []
    for t in sorted(set(thresholds)):
        m = rates([r["_oof"] >= t for r in rows], labels)
        c = rates([r["_oof"] >= t or r["_rule"] for r in rows], labels)
        out.append((t, m[0], m[1], c[0], c[1]))
    return out


def choose_gate(rows: list[Row], threshold: float) -> float:
    """Model probability below which the sentence-level rules are skipped.

    Out of fold, find the rule detections that the model scored below its
    threshold (those are the ones the rules add) and that no cheap trigger
    would send to the rules anyway; the gate sits at half the lowest such
    probability, so on the cross-validation none of them is lost.
    """
    needed = [r["_oof"] for r in rows if r["_rule"] and r["_oof"] < threshold and not r["_trigger"]]
    gate = 0.5 * min(needed) if needed else threshold
    return max(1e-4, min(gate, threshold))


def fmt(r: float) -> str:
    return f"{r:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    # 0.01, not the 0.05: the rules bring 0.02-0.04 of their own on
    # unseen sets (blind_h ... blind_ao), and the model's share must leave room
    # for it. Round 5 lowered it from 0.02: on blind_j the model alone had FPR
    # 0.047 against 0.019 out of fold.
    parser.add_argument("--target-fpr", type=float, default=0.01)
    parser.add_argument("--out", type=Path, default=OUT)
    # Leave-one-split-out trains once per split; with dozens of splits that is
    # an hour of pure-Python descent, so K folds of whole splits (round-robin
    # in file order) give the same out-of-fold guarantee at K trainings.
    parser.add_argument(
        "--folds", type=int, default=0, help="K folds of whole splits (0: one per split)"
    )
    args = parser.parse_args()

    # Rule verdicts come from the rule half alone (ungated): the model is not
    # needed for them, so an old or missing model file does not matter here.
    from threatvec.detect.covert import rules_only_scan

    started = time.time()
    cases = load(CASES)
    dev = load(DEV, split="dev") if DEV.is_file() else []
    if not dev:
        print(f"warning: dev set not found at {DEV}; training without it", file=sys.stderr)
    rows = cases + dev
    twins = [t for r in rows if r["label"] == "poisoned" and not is_blind(r["split"])
             for t in [carrier_copy(r)] if t is not None]  # fmt: skip
    rows += twins
    print(f"{len(twins)} benign carrier twins added to training")
    for r in rows:
        r["_sparse"], r["_dense"], r["_trigger"] = featurize(r["tool"])
        r["_y"] = 1 if r["label"] == "poisoned" else 0
        r["_rule"] = rules_only_scan(r["tool"]).verdict == "poisoned"
    tuned = [r for r in rows if not is_blind(r["split"])]
    blind = sorted({r["split"] for r in rows if is_blind(r["split"])})
    folds = [s for s in dict.fromkeys(r["split"] for r in tuned) if s != "dev"]
    fold_of = {s: (i % args.folds if args.folds else i) for i, s in enumerate(folds)}
    print(f"features ready in {time.time() - started:.1f}s; {len(tuned)} training rows")

    report: dict[str, Any] = {}
    threshold, gate = 0.5, 0.5
    if not args.no_cv:
        for k in sorted(set(fold_of.values())):
            t0 = time.time()
            train_rows = [r for r in tuned if fold_of.get(r["split"]) != k]
            model = train(train_rows)
            for r in tuned:
                if fold_of.get(r["split"]) == k:
                    r["_oof"] = sigmoid(model.logit(r["_sparse"], r["_dense"]))
            print(f"  fold {k}: trained on {len(train_rows)} rows in {time.time() - t0:.0f}s")
        oof = [r for r in tuned if r["split"] != "dev" and not r.get("_aug")]
        threshold = choose_threshold(oof, args.target_fpr)
        gate = choose_gate(oof, threshold)
        print(f"\nchosen on cross-validation: threshold t={threshold:.4f}, rule gate g={gate:.4f}")
        sweep = sweep_thresholds(oof, (0.7, 0.8, 0.85, 0.9, 0.919, 0.95, threshold))
        print("out-of-fold sweep   t   model-only (recall / FPR) | model OR rules (recall / FPR)")
        for t, m_rc, m_fpr, c_rc, c_fpr in sweep:
            print(f"  {t:.4f}  {fmt(m_rc)}/{fmt(m_fpr)} | {fmt(c_rc)}/{fmt(c_fpr)}")
        report["threshold_sweep"] = [[round(v, 4) for v in row] for row in sweep]
        print(
            "\nleave-one-split-out (train: other tuned splits + dev)   rule-only | model-only | "
            "combined (recall / FPR)"
        )
        cv: dict[str, Any] = {}
        sums = [0.0] * 6
        for split in [*folds, "all"]:
            part = oof if split == "all" else [r for r in oof if r["split"] == split]
            labels = [r["_y"] for r in part]
            rr = rates([r["_rule"] for r in part], labels)
            mr = rates([r["_oof"] >= threshold for r in part], labels)
            cr = rates(
                [
                    r["_oof"] >= threshold or (r["_rule"] and (r["_oof"] >= gate or r["_trigger"]))
                    for r in part
                ],
                labels,
            )
            print(
                f"  {split:<9} n={len(part):>3}  {fmt(rr[0])}/{fmt(rr[1])} | "
                f"{fmt(mr[0])}/{fmt(mr[1])} | {fmt(cr[0])}/{fmt(cr[1])}"
            )
            cv[split] = {
                "n": len(part),
                "rule": [round(rr[0], 4), round(rr[1], 4)],
                "model": [round(mr[0], 4), round(mr[1], 4)],
                "combined": [round(cr[0], 4), round(cr[1], 4)],
            }
            if split != "all":
                for k, v in enumerate((rr[0], rr[1], mr[0], mr[1], cr[0], cr[1])):
                    sums[k] += v / len(folds)
        print(
            f"  {'mean':<9}        {fmt(sums[0])}/{fmt(sums[1])} | {fmt(sums[2])}/{fmt(sums[3])} | "
            f"{fmt(sums[4])}/{fmt(sums[5])}"
        )
        cv["mean"] = {
            "rule": [round(sums[0], 4), round(sums[1], 4)],
            "model": [round(sums[2], 4), round(sums[3], 4)],
            "combined": [round(sums[4], 4), round(sums[5], 4)],
        }
        report["cross_validation"] = cv

    final = train(tuned)
    # Words seen at least twice in training: the scanner sums their n-gram
    # weights once at load instead of hashing them in every scan.
    word_counts: Counter[str] = Counter()
    for r in tuned:
        units, _ = tool_units(walk(r["tool"], ""))
        for text, _, _ in units:
            word_counts.update(tokens(text))
    vocabulary = sorted(w for w, c in word_counts.items() if c >= VOCAB_MIN_COUNT)
    data = {
        "format": "threatvec.covert-model",
        "version": 1,
        "hash": {"function": "crc32-utf8", "bits": HASH_BITS},
        "features": (
            "normalised text of every string field; sparse: word unigrams (plain and prefixed "
            "with the field kind d/p/v/t/n/o/x), word bigrams, character 3-5-grams of each "
            "word; counts scaled by 1/sqrt(total occurrences); dense: see dense_names "
            "(log1p counts)"
        ),
        "dense_names": list(DENSE_NAMES),
        "dense_weights": [round(v, 6) for v in final.wd],
        "bias": round(final.b, 6),
        "threshold": threshold,
        "gate": gate,
        "weights_scale": WEIGHT_SCALE,
        "weights": [round(v / WEIGHT_SCALE) for v in final.w],
        "vocabulary": vocabulary,
        "training": {
            "algorithm": "logistic regression, L2, per-example AdaGrad descent",
            "l2": L2,
            "epochs": EPOCHS,
            "learning_rate": LEARNING_RATE,
            "seed": SEED,
            "target_fpr": args.target_fpr,
            "trained_on": sorted(
                {*folds, "dev (shared tool_descriptions_dev.jsonl)"} if dev else set(folds)
            ),
            "rows": len(tuned),
            "carrier_twins": len(twins),
            "poisoned": sum(r["_y"] for r in tuned),
            "never_trained_on": blind,
            **report,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")

    # The shipped scorer must reproduce the trainer's probabilities.
    from threatvec.detect import _covert_model

    shipped = _covert_model.CovertModel(data)
    worst = 0.0
    for r in rows:
        items = walk(r["tool"], "")
        units, _ = tool_units(items)
        p_train = sigmoid(final.logit(r["_sparse"], r["_dense"]))
        p_ship = shipped.score(units, r["_dense"]).probability
        worst = max(worst, abs(p_train - p_ship))
    print(f"largest trainer/shipped probability difference: {worst:.2e}")
    if worst > 1e-3:
        raise SystemExit("shipped scorer disagrees with the trainer")

    # Through the real scanner, with the file just written.
    from threatvec.detect.covert import scan_tool

    worse = []
    for r in tuned:
        if r.get("_aug"):
            continue
        combined = scan_tool(r["tool"]).verdict == "poisoned"
        if combined != bool(r["_y"]) and r["_rule"] == bool(r["_y"]):
            worse.append(r["id"])
    print(f"tuned rows whose verdict got worse than rule-only: {worse or 'none'}")
    print("\nblind splits, final model (never trained on)   recall / FPR")
    for split in blind:
        part = [r for r in rows if r["split"] == split]
        if not part:
            continue
        labels = [r["_y"] for r in part]
        results = [scan_tool(r["tool"]) for r in part]
        prob = [res.model_probability or 0.0 for res in results]
        for label, pred in (
            ("rule-only", [r["_rule"] for r in part]),
            ("model-only", [p >= threshold for p in prob]),
            ("combined", [res.verdict == "poisoned" for res in results]),
        ):
            rc, fpr, tp, pos, fp, neg = rates(pred, labels)
            print(f"  {split:<8} {label:<11} {rc:.3f} ({tp}/{pos}) / {fpr:.3f} ({fp}/{neg})")
    print(f"done in {time.time() - started:.0f}s")


if __name__ == "__main__":
    main()
