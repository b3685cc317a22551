"""Features of a tool definition for the learned covert-instruction model.

One module for the trainer (``tools/train_covert_model.py``) and the scanner
(``_covert_model``), so both see exactly the same features:

* sparse, hashed: word unigrams (plain and prefixed with the kind of field they
  sit in), word bigrams, and character 3-5-grams of each word (with word
  boundaries, so "<ign", "gnore>" carry across languages and spellings);
* dense, named: counts of directive sentences, second-person and
  model-addressed words, sentence-initial imperatives, URLs, placeholders,
  paths to secrets, concealment words, the normaliser's anomalies, the schema
  rules' ids, and the size of the description against the size of the schema.

Every string goes through ``normalize`` first (tag characters decoded,
look-alikes folded, blobs decoded); decoded hidden text is a field of its own.
Sparse counts are scaled by 1/sqrt(number of sparse occurrences) so a long
definition does not score higher just for being long. Standard library only.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

from threatvec.detect._covert_lexicon import pointer_token
from threatvec.detect._covert_regex import compile_fast, split_alternatives
from threatvec.detect.normalize import ANOMALY_KINDS, Normalized, normalize

__all__ = [
    "DENSE_NAMES",
    "KIND_DECODED",
    "KIND_DESCRIPTION",
    "KIND_NAME",
    "KIND_OTHER",
    "KIND_PARAM",
    "KIND_TITLE",
    "KIND_VALUE",
    "MAX_FEATURE_CHARS",
    "Unit",
    "bigram_feature",
    "clear_normalize_cache",
    "conceal_trigger",
    "dense_features",
    "feature_bucket",
    "generated_title",
    "identifier_text",
    "normalized",
    "rule_trigger",
    "sparse_features",
    "token_features",
    "tokens",
    "tool_units",
    "walk",
]

# Kinds of field, used as a prefix on word features: the same words mean more
# in a default value or a parameter description than in the tool description.
KIND_DESCRIPTION = "d"
KIND_PARAM = "p"
KIND_VALUE = "v"
KIND_TITLE = "t"
KIND_NAME = "n"
KIND_OTHER = "o"
KIND_DECODED = "x"  # text the normaliser decoded or revealed (tags, base64, comments)

# Each string contributes at most this many characters (its two ends) to the
# features: the model reads what a payload looks like, not whole manuals.
MAX_FEATURE_CHARS = 4000
MAX_WORD_CHARS = 40  # longer "words" (CJK runs, blobs) give n-grams of their start
GRAM_SIZES = (3, 4, 5)
# Values that are JSON-Schema vocabulary, not text anyone wrote for the model.
_SKIP_LEAF_RE = re.compile(r"/(?:type|format|\$schema|\$id|\$ref|required/\d+)$")
_VALUE_PTR_RE = re.compile(r"/(?:default|const|enum|examples|example)(?:/|$)")
_TITLE_PTR_RE = re.compile(r"(?:^|/)title$")
_PARAM_DESC_RE = re.compile(r"/properties/[^/]+/description$")
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_IDENT_SPLIT_RE = re.compile(r"[\s_\-.:/]+")
MAX_DEPTH = 48
MAX_UNITS = 400

Unit = tuple[str, str, str]  # (normalised lower-case text, kind, JSON pointer)

# --- normalisation, cached per string ----------------------------------------

_NORM_CACHE: dict[str, Normalized] = {}
NORM_CACHE_MAX = 8192
NORM_CACHE_MAX_CHARS = 4096


def normalized(raw: str) -> Normalized:
    """``normalize(raw)``, remembered for short strings (the rules reuse it)."""
    if len(raw) > NORM_CACHE_MAX_CHARS:
        return normalize(raw)
    hit = _NORM_CACHE.get(raw)
    if hit is None:
        if len(_NORM_CACHE) >= NORM_CACHE_MAX:
            _NORM_CACHE.clear()
        hit = _NORM_CACHE[raw] = normalize(raw)
    return hit


def clear_normalize_cache() -> None:
    """Forget cached normalisations and per-field dense counts (cold benchmarks)."""
    _NORM_CACHE.clear()
    _DENSE_MEMO.clear()


# --- walking a definition ----------------------------------------------------


# Tuples of types: isinstance() checks them faster than ``str | dict`` unions.
_WALKED = (str, dict, list, tuple)
_SEQUENCES = (list, tuple)


def walk(root: Any, pointer: str = "") -> list[tuple[str, str, bool, str]]:
    """(text, pointer, is_key, parent_key) for every string and dict key, in document order."""
    out: list[tuple[str, str, bool, str]] = []
    stack: list[tuple[Any, str, int]] = [(root, pointer, 0)]
    while stack:
        obj, ptr, depth = stack.pop()
        if isinstance(obj, str):
            out.append((obj, ptr, False, ""))
        elif depth > MAX_DEPTH:
            continue
        elif isinstance(obj, dict):
            parent = ptr[ptr.rfind("/") + 1 :]
            children = []
            for k, v in obj.items():
                key = k if isinstance(k, str) else str(k)
                child = (
                    f"{ptr}/{pointer_token(key)}" if ("~" in key or "/" in key) else f"{ptr}/{key}"
                )
                out.append((key, child, True, parent))
                if isinstance(v, _WALKED):
                    children.append((v, child, depth + 1))
            stack.extend(reversed(children))
        elif isinstance(obj, _SEQUENCES):
            stack.extend(reversed([(v, f"{ptr}/{i}", depth + 1) for i, v in enumerate(obj)]))
    return out


def identifier_text(name: str) -> str:
    """``readSshKey_now`` -> ``read ssh key now``."""
    return " ".join(_IDENT_SPLIT_RE.split(_CAMEL_RE.sub(" ", name))).lower().strip()


_GENERATED_TITLE_RE = re.compile(r"[A-Za-z_][\w.\-]{0,80}")


def generated_title(text: str, pointer: str) -> bool:
    """True for a schema title nobody wrote: one identifier, or the property name restated.

    Schema generators title the root ``save_noteArguments`` / ``save_noteOutput``
    and each property its name in title case (``repo_path`` -> "Repo Path").
    Such a title repeats an identifier the model already reads as a name; as
    a title it taught the model only which generator wrote the training case
    (issue #4, round 5: a plain note tool was convicted on its schema title).
    """
    if _GENERATED_TITLE_RE.fullmatch(text):
        return True
    parts = pointer.rsplit("/", 3)
    if len(parts) == 4 and parts[1] == "properties":
        return identifier_text(text) == identifier_text(parts[2])
    return False


def _kind_of(pointer: str) -> str:
    if pointer == "/description":
        return KIND_DESCRIPTION
    if _VALUE_PTR_RE.search(pointer):
        return KIND_VALUE
    if _TITLE_PTR_RE.search(pointer):
        return KIND_TITLE
    if _PARAM_DESC_RE.search(pointer):
        return KIND_PARAM
    return KIND_OTHER


def _clip(text: str) -> str:
    if len(text) <= MAX_FEATURE_CHARS:
        return text
    half = MAX_FEATURE_CHARS // 2
    return text[:half] + "\n" + text[-half:]


def tool_units(
    items: Iterable[tuple[str, str, bool, str]],
) -> tuple[list[Unit], dict[str, int]]:
    """Text units the model reads from walked items, and the anomalies found on the way.

    Parameter names and the tool name count as words (``readSshKey`` -> "read
    ssh key"); schema vocabulary (``type``, ``required``) is skipped.
    """
    units: list[Unit] = []
    anomalies: dict[str, int] = {}
    for text, pointer, is_key, parent in items:
        if len(units) >= MAX_UNITS:
            break
        if is_key:
            if parent == "properties":
                units.append((identifier_text(text), KIND_NAME, pointer))
            elif " " in text:
                units.append((normalized(_clip(text)).text.lower(), KIND_OTHER, pointer))
            continue
        if pointer == "/name":
            units.append((identifier_text(text), KIND_NAME, pointer))
            continue
        if not text or _SKIP_LEAF_RE.search(pointer):
            continue
        if _TITLE_PTR_RE.search(pointer) and generated_title(text, pointer):
            continue
        if len(text) > MAX_FEATURE_CHARS:
            anomalies["clipped"] = anomalies.get("clipped", 0) + 1  # not a dense feature
        norm = normalized(_clip(text))
        units.append((norm.text.lower(), _kind_of(pointer), pointer))
        for dec in norm.decoded:
            units.append((dec.text.lower(), KIND_DECODED, pointer))
        for kind, n in norm.anomalies.items():
            anomalies[kind] = anomalies.get(kind, 0) + n
    return units, anomalies


# --- sparse features ---------------------------------------------------------

_TOKEN_RE = re.compile(r"[^\W_]+|[^\w\s]")


def tokens(lower: str) -> list[str]:
    """Words and single punctuation marks of a normalised, lower-case text."""
    return _TOKEN_RE.findall(lower)


def token_features(tok: str, kind: str) -> list[str]:
    """Sparse features of one token in a field of ``kind``: unigrams and char n-grams."""
    feats = ["u" + tok, kind + tok]
    if tok[0].isalnum() and len(tok) >= 2:
        w = "<" + tok[:MAX_WORD_CHARS] + ">"
        n = len(w)
        for size in GRAM_SIZES:
            feats.extend("c" + w[i : i + size] for i in range(n - size + 1))
    return feats


def bigram_feature(a: str, b: str) -> str:
    """Sparse feature of two adjacent tokens."""
    return "b" + a + " " + b


def sparse_features(units: Iterable[Unit]) -> list[str]:
    """Every sparse feature occurrence of the units (the trainer's explicit form)."""
    out: list[str] = []
    for text, kind, _ in units:
        toks = tokens(text)
        for tok in toks:
            out.extend(token_features(tok, kind))
        out.extend(bigram_feature(a, b) for a, b in pairwise(toks))
    return out


def feature_bucket(feature: str, bits: int) -> int:
    """Stable hash bucket of a feature string (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(feature.encode("utf-8", "surrogatepass")) & ((1 << bits) - 1)


# --- dense features ----------------------------------------------------------

_CUES: dict[str, str] = {
    "modal": r"\b(?:must|should|shall|always|never|do not|don't|make sure|be sure|please|"
    r"(?:need|have|required|expected|supposed) to|important|remember|mandatory)\b",
    "you": r"\b(?:you|your|yours|yourself)\b",
    "model": r"\b(?:assistants?|models?|llms?|ai|agents?|claude|gpt[\w.-]*|chatgpt|copilot|"
    r"chatbots?|bots?)\b",
    "url": r"https?://|\bwww\.",
    "email": r"[\w.+-]+@[\w-]+\.[a-z]{2,}",
    "placeholder": r"\{\{?\s*[\w.-]{1,40}\s*\}\}?|\$\{?[a-z_]{3,}\}?|<[a-z_]{3,30}>",
    "secret": r"~/|\.ssh\b|\.env\b|\bid_(?:rsa|ed25519|ecdsa)\b|credentials?\b|passw(?:or)?ds?\b|"
    r"secrets?\b|\btokens?\b|api[ _-]?keys?\b|private keys?\b|\.aws\b|\.kube\b|mcp\.json|"
    r"\.netrc\b|cookies?\b",
    "conceal": r"\b(?:silently|quietly|secretly|covertly|without (?:telling|informing|notifying|"
    r"asking|mentioning|showing)|(?:do not|don't|never|no need to) (?:tell|mention|inform|notify|"
    r"reveal|show|disclose)|hidden from|not visible to)\b",
    "convo": r"\b(?:conversation|chat history|chats?|messages|system prompt|prompts?|"
    r"previous instructions|instructions|context)\b",
    "toolref": r"\b(?:tools?|servers?|functions?)\b",
    "override": r"\b(?:ignore|disregard|override|supersede[sd]?|instead of|forget|"
    r"takes? precedence|replaces?)\b",
    "memory": r"\b(?:memory|future sessions|from now on|all future|every (?:future )?session)\b",
    "pseudotag": r"<\s*/?\s*(?:important|system|instructions?|secret|hidden|admin|assistant|user)"
    r"\s*>|\[/?(?:system|inst)\]|<\|",
    "user": r"\b(?:the user|user's|users?|the customer|customers?)\b",
    "every": r"\b(?:every|each|all|any|whenever|before|after)\b",
    "send": r"\b(?:send|forward|post|upload|include|attach|append|copy|paste|pass|put|add|"
    r"fill|echo|embed|report)\b",
}


def _cue_regex(cues: dict[str, str]) -> re.Pattern[str]:
    """One regex for all cues, with the word boundary hoisted out of the word cues.

    ``\\b(?:(?P<a>x)|(?P<b>y))`` lets the engine test the boundary once per
    position instead of once per cue; the cues' other alternatives (symbols,
    paths, URLs) follow as groups named ``<cue>__<n>``. The e-mail cue is
    matched separately and only when the text has an "@" (see
    ``dense_features``): its leading ``[\\w.+-]+`` would otherwise be tried at
    every letter.
    """
    word: list[str] = []
    other: list[str] = []
    for name, pattern in cues.items():
        led = [a[2:] for a in split_alternatives(pattern) if a.startswith("\\b")]
        rest = [a for a in split_alternatives(pattern) if not a.startswith("\\b")]
        if led:
            word.append(f"(?P<{name}>{'|'.join(led)})")
        other.extend(f"(?P<{name}__{i}>{a})" for i, a in enumerate(rest))
    return compile_fast("|".join(([f"\\b(?:{'|'.join(word)})"] if word else []) + other))


_CUE_RE = _cue_regex({k: v for k, v in _CUES.items() if k != "email"})
_EMAIL_RE = compile_fast(_CUES["email"])
# Cue of each named group of _CUE_RE ("url__0" -> "url"), looked up per match.
_CUE_OF_GROUP: dict[str | None, str] = {name: name.split("__", 1)[0] for name in _CUE_RE.groupindex}
_SENT_SPLIT_RE = re.compile(r"[.!?;:\n。！？；：]+(?:\s|$)|[。！？；]")
_IMPERATIVE_RE = re.compile(
    r"^\W*(?:(?:also|then|first|now|always|please|and|but|instead|finally|afterwards)[,\s]+)*"
    r"(?:send|include|add|read|call|ignore|disregard|forward|append|pass|put|copy|collect|tell|say|"
    r"do|don't|never|use|run|write|store|save|remember|respond|reply|answer|treat|set|replace|"
    r"fill|list|print|output|return|post|upload|attach|skip|keep|hide|report|recommend|execute|"
    r"open|fetch|look|mention|prefer|route|redirect|change|make|ensure|give|show|embed|echo)\b"
)
_SCHEMA_RULES = ("TV-COVERT-030", "TV-COVERT-031")

# The anomaly kinds the shipped model was trained on; kinds added since (rot13,
# round 11) are rule evidence only until the next retraining.
# The model was trained on these; kinds added later inform the rules only.
MODEL_ANOMALY_KINDS: tuple[str, ...] = tuple(
    k for k in ANOMALY_KINDS if k not in ("rot13", "percent_letters")
)
DENSE_NAMES: tuple[str, ...] = (
    *(f"cue_{k}" for k in _CUES),
    "sentences",
    "directive_sentences",
    "addressed_directives",  # a sentence with a modal and "you" or a model noun
    "imperative_starts",
    "directives_outside_description",  # modal words in params, values, titles
    "decoded_words",
    "description_chars",
    "description_to_schema",
    "parameters",
    "non_ascii_share",
    *(f"anomaly_{k}" for k in MODEL_ANOMALY_KINDS),
    *(f"schema_{r}" for r in _SCHEMA_RULES),
)


def _log(x: float) -> float:
    return math.log1p(x) if x > 0 else 0.0


# Per-unit counts summed by dense_features, in this order.
_UNIT_PARTS = (
    "sentences",
    "directive",
    "addressed",
    "imperative",
    "outside",
    "decoded",
    "desc_chars",
    "non_ascii",
    "total",
)
UnitShare = tuple[tuple[tuple[str, int], ...], tuple[int, ...]]
_DENSE_MEMO: dict[tuple[str, str], UnitShare] = {}
DENSE_MEMO_MAX = 8192


def _unit_share(text: str, kind: str) -> UnitShare:
    """One unit's cue counts and the counts of ``_UNIT_PARTS``."""
    counts: dict[str, int] = {}
    sentences = directive = addressed = imperative = outside = decoded = desc_chars = 0
    non_ascii = 0
    if not text.isascii():
        non_ascii = sum(1 for c in text if ord(c) > 127)
    if kind == KIND_DESCRIPTION:
        desc_chars = len(text)
    elif kind == KIND_DECODED:
        decoded = len(text.split())
    for sent in _SENT_SPLIT_RE.split(text):
        if len(sent) < 3:
            continue
        sentences += 1
        found: set[str] = set()
        for m in _CUE_RE.finditer(sent):
            group = _CUE_OF_GROUP[m.lastgroup]
            counts[group] = counts.get(group, 0) + 1
            found.add(group)
        if "@" in sent:
            n_mail = len(_EMAIL_RE.findall(sent))
            if n_mail:
                counts["email"] = counts.get("email", 0) + n_mail
                found.add("email")
        if "modal" in found:
            directive += 1
            if "you" in found or "model" in found:
                addressed += 1
            if kind not in (KIND_DESCRIPTION, KIND_DECODED):
                outside += 1
        if _IMPERATIVE_RE.match(sent.lstrip()):
            imperative += 1
    parts = (sentences, directive, addressed, imperative, outside, decoded, desc_chars, non_ascii)
    return tuple(counts.items()), (*parts, len(text))


def dense_features(
    units: list[Unit],
    anomalies: dict[str, int],
    schema_rules: Iterable[tuple[str, float]],
    n_params: int,
) -> list[float]:
    """Named dense features (in ``DENSE_NAMES`` order), each squashed with log1p."""
    # Every part below is a count summed over the units, so a unit's share is
    # remembered by (text, kind): shared parameter descriptions repeat.
    counts = dict.fromkeys(_CUES, 0)
    sums = [0] * len(_UNIT_PARTS)
    for text, kind, _ in units:
        if kind == KIND_NAME:
            continue
        share = _DENSE_MEMO.get((text, kind))
        if share is None:
            share = _unit_share(text, kind)
            if len(_DENSE_MEMO) >= DENSE_MEMO_MAX:
                _DENSE_MEMO.clear()
            _DENSE_MEMO[(text, kind)] = share
        cue_counts, parts = share
        for name, k in cue_counts:
            counts[name] += k
        for i, k in enumerate(parts):
            sums[i] += k
    sentences, directive, addressed, imperative, outside, decoded, desc_chars, non_ascii, total = (
        sums
    )
    schema = dict.fromkeys(_SCHEMA_RULES, 0.0)
    for rule_id, weight in schema_rules:
        if rule_id in schema:
            schema[rule_id] += weight
    values = [_log(counts[k]) for k in _CUES]
    values += [
        _log(sentences),
        _log(directive),
        _log(addressed),
        _log(imperative),
        _log(outside),
        _log(decoded),
        _log(desc_chars / 100),
        _log(desc_chars / (40.0 * (1 + n_params))),
        _log(n_params),
        non_ascii / total if total else 0.0,
    ]
    values += [_log(anomalies.get(k, 0)) for k in MODEL_ANOMALY_KINDS]
    values += [_log(schema[r]) for r in _SCHEMA_RULES]
    return values


_PSEUDOTAG_INDEX = DENSE_NAMES.index("cue_pseudotag")


def rule_trigger(anomalies: dict[str, int], schema_hit_count: int, dense: list[float]) -> bool:
    """Cheap evidence that sends a definition to the full rules whatever the model says.

    Hidden or encoded text, schema-level hits, pseudo-tags such as
    ``<IMPORTANT>``, and strings too long for the model to read whole.
    """
    return bool(anomalies) or schema_hit_count > 0 or dense[_PSEUDOTAG_INDEX] > 0


# Session 10: "do not mention it to the user" on a flight-booking tool the
# model gave 0.000. Concealment is for the rules to weigh whatever the model
# says; the model's own "conceal" cue cannot tell (its "modal" cue takes the
# "do not" first), so it is looked for apart.
_CONCEAL_TRIGGER_RE = re.compile(_CUES["conceal"], re.IGNORECASE)


def conceal_trigger(units: list[Unit]) -> bool:
    """Whether any string tells the model to keep something from the user."""
    return any(
        kind != KIND_NAME and _CONCEAL_TRIGGER_RE.search(text) is not None
        for text, kind, _ in units
    )
