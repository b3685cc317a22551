"""The learned covert-instruction model: loading and scoring.

A regularised logistic regression over the features of ``_covert_features``,
trained by ``tools/train_covert_model.py`` and shipped as data
(``data/covert_model.json``: hash size, weights, bias, threshold, how it was
trained), never as generated code. The file is read once, on first use, and
checked: a file that does not match the feature code (other dense feature
names, wrong number of weights) raises ``ModelError`` rather than scoring
with misaligned weights.

Scoring is a sum of weights, so it is memoised per (field kind, token) and
per bigram: a word's unigram and character n-gram weights are hashed once and
then served from a bounded dict. Standard library only.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any
from zlib import crc32

from threatvec.detect._covert_features import (
    DENSE_NAMES,
    GRAM_SIZES,
    KIND_DECODED,
    KIND_DESCRIPTION,
    KIND_NAME,
    KIND_OTHER,
    KIND_PARAM,
    KIND_TITLE,
    KIND_VALUE,
    MAX_WORD_CHARS,
    Unit,
    bigram_feature,
    feature_bucket,
    token_features,
    tokens,
)

__all__ = ["MODEL_FORMAT", "CovertModel", "ModelError", "ModelScore", "load_model"]

MODEL_FORMAT = "threatvec.covert-model"
MODEL_VERSION = 1
_CACHE_MAX = 65_536
_CRC_OF_C = crc32(b"c")  # character n-gram features are "c" + the gram
_VOCAB_MAX = 50_000
_KINDS = (KIND_DESCRIPTION, KIND_PARAM, KIND_VALUE, KIND_TITLE, KIND_NAME, KIND_OTHER, KIND_DECODED)


class ModelError(ValueError):
    """The shipped model file is missing, corrupt or does not match the feature code."""


@dataclass(frozen=True, slots=True)
class ModelScore:
    """Probability for one definition and the field that pushed it up most."""

    probability: float
    logit: float
    top_index: int  # index into the units, -1 when no field contributed positively
    top_contribution: float


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class CovertModel:
    """Weights of the learned model and a memoised scorer."""

    def __init__(self, data: dict[str, Any]) -> None:
        try:
            if data.get("format") != MODEL_FORMAT or data.get("version") != MODEL_VERSION:
                raise ModelError("unknown model format or version")
            self.bits = int(data["hash"]["bits"])
            scale = float(data["weights_scale"])
            self.weights = [float(v) * scale for v in data["weights"]]
            self.dense_weights = [float(v) for v in data["dense_weights"]]
            self.bias = float(data["bias"])
            self.threshold = float(data["threshold"])
            self.gate = float(data["gate"])
            self.info: dict[str, Any] = dict(data.get("training") or {})
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ModelError):
                raise
            raise ModelError(f"malformed covert model: {exc!r}") from exc
        if data["hash"].get("function") != "crc32-utf8" or not 8 <= self.bits <= 22:
            raise ModelError("unsupported feature hash")
        if len(self.weights) != 1 << self.bits:
            raise ModelError("weight vector does not match the hash size")
        if tuple(data.get("dense_names") or ()) != DENSE_NAMES or len(self.dense_weights) != len(
            DENSE_NAMES
        ):
            raise ModelError("dense feature names differ from the feature code; retrain")
        if not (0.0 < self.gate <= self.threshold < 1.0):
            raise ModelError("threshold and gate must satisfy 0 < gate <= threshold < 1")
        if not all(math.isfinite(v) for v in (*self.weights, *self.dense_weights, self.bias)):
            raise ModelError("non-finite weight")
        self._mask = (1 << self.bits) - 1
        self._tokens: dict[str, tuple[float, int]] = {}
        self._grams: dict[str, float] = {}
        self._bigrams: dict[str, float] = {}
        self._units: dict[tuple[str, str], tuple[float, int]] = {}
        # Per-word weights of the training vocabulary, summed once at load: a
        # word's unigram and character n-gram weights do not depend on the
        # definition, so this is part of the model, not a cache of results,
        # and ``clear_cache`` keeps it. Unknown words are hashed on the fly.
        self._vocab: dict[str, tuple[float, int]] = {}
        vocab = data.get("vocabulary") or []
        if not isinstance(vocab, list) or not all(isinstance(v, str) for v in vocab):
            raise ModelError("vocabulary must be a list of words")
        for tok in vocab[:_VOCAB_MAX]:
            if tok:
                for kind in _KINDS:
                    self._vocab[kind + tok] = self._token_uncached(kind, tok)
        # The same table split by field kind, so scoring looks a word up
        # without building a "kind + word" key first.
        self._vocab_by_kind: dict[str, dict[str, tuple[float, int]]] = {k: {} for k in _KINDS}
        for key, value in self._vocab.items():
            self._vocab_by_kind[key[0]][key[1:]] = value

    def _token_uncached(self, kind: str, tok: str) -> tuple[float, int]:
        if tok.isascii():
            return self._ascii_token(kind, tok)
        feats = token_features(tok, kind)
        # Character n-grams repeat across words ("<re", "ing>"): hash each once.
        grams = self._grams
        total = 0.0
        for f in feats:
            g = grams.get(f)
            if g is None:
                g = self.weights[feature_bucket(f, self.bits)]
                if len(grams) >= _CACHE_MAX:
                    grams.clear()
                grams[f] = g
            total += g
        return total, len(feats)

    def _ascii_token(self, kind: str, tok: str) -> tuple[float, int]:
        """``_token_uncached`` for an ASCII token, hashing byte slices in place.

        The features and their order are those of ``token_features``; for
        ASCII, a character slice is the byte slice, and CRC-32 of "c" + gram
        continues from the CRC of "c", so no feature string is built.
        """
        weights, mask = self.weights, self._mask
        total = weights[crc32(("u" + tok).encode()) & mask]
        total += weights[crc32((kind + tok).encode()) & mask]
        count = 2
        if tok[0].isalnum() and len(tok) >= 2:
            word = ("<" + tok[:MAX_WORD_CHARS] + ">").encode()
            n = len(word)
            for size in GRAM_SIZES:
                for i in range(n - size + 1):
                    total += weights[crc32(word[i : i + size], _CRC_OF_C) & mask]
                count += max(0, n - size + 1)
        return total, count

    def _token(self, kind: str, tok: str) -> tuple[float, int]:
        key = kind + tok  # kinds are one letter, so the key is unambiguous
        hit = self._vocab.get(key) or self._tokens.get(key)
        if hit is None:
            hit = self._token_uncached(kind, tok)
            if len(self._tokens) >= _CACHE_MAX:
                self._tokens.clear()
            self._tokens[key] = hit
        return hit

    def _bigram(self, a: str, b: str) -> float:
        feat = bigram_feature(a, b)
        hit = self._bigrams.get(feat)
        if hit is None:
            hit = self.weights[feature_bucket(feat, self.bits)]
            if len(self._bigrams) >= _CACHE_MAX:
                self._bigrams.clear()
            self._bigrams[feat] = hit
        return hit

    def score(self, units: list[Unit], dense: list[float]) -> ModelScore:
        """Probability that the definition carries covert instructions."""
        sums: list[float] = []
        n = 0
        token = self._token
        bigrams = self._bigrams
        bigram = self._bigram
        by_kind = self._vocab_by_kind
        memo = self._units
        for text, kind, _ in units:
            # A field seen before (a shared parameter description) adds the
            # same sum and count again: both depend on the text and kind only.
            seen = memo.get((kind, text))
            if seen is not None:
                sums.append(seen[0])
                n += seen[1]
                continue
            toks = tokens(text)
            s = 0.0
            count = 0
            known = by_kind.get(kind)
            for tok in toks:
                # Same sums in the same order as ``_token``; only the lookup is cheaper.
                hit = known.get(tok) if known is not None else None
                w, c = hit if hit is not None else token(kind, tok)
                s += w
                count += c
            prev = None
            for tok in toks:
                if prev is not None:
                    bw = bigrams.get("b" + prev + " " + tok)
                    s += bw if bw is not None else bigram(prev, tok)
                prev = tok
            count += max(0, len(toks) - 1)
            if len(memo) >= _CACHE_MAX:
                memo.clear()
            memo[(kind, text)] = (s, count)
            n += count
            sums.append(s)
        norm = 1.0 / math.sqrt(n) if n else 0.0
        z = self.bias + sum(d * w for d, w in zip(dense, self.dense_weights, strict=True))
        z += sum(sums) * norm
        top, best = -1, 0.0
        for i, s in enumerate(sums):
            if s * norm > best:
                top, best = i, s * norm
        return ModelScore(_sigmoid(z), z, top, best)

    def clear_cache(self) -> None:
        """Forget memoised token, bigram and field weights (cold benchmarks)."""
        self._tokens.clear()
        self._grams.clear()
        self._bigrams.clear()
        self._units.clear()


_LOCK = threading.Lock()
_MODEL: CovertModel | None = None


def load_model() -> CovertModel:
    """The shipped model, read and checked once per process."""
    global _MODEL
    if _MODEL is None:
        with _LOCK:
            if _MODEL is None:
                try:
                    raw = (
                        resources.files("threatvec.detect")
                        .joinpath("data/covert_model.json")
                        .read_text(encoding="utf-8")
                    )
                    data = json.loads(raw)
                except (OSError, ValueError) as exc:
                    raise ModelError(f"cannot read the covert model: {exc}") from exc
                if not isinstance(data, dict):
                    raise ModelError("covert model file is not a JSON object")
                _MODEL = CovertModel(data)
    return _MODEL
