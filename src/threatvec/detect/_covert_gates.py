# ruff: noqa: E501
# (long lines: one pattern per line reads best)
"""Gate parameters the text tells the model to set to their risky side.

Many tools carry a switch that stands between the model and a harm the user
would want to weigh: an approval step (``auto_approve``, ``require_approval``),
a check (``skip_variance_check``, ``identity_verified``), who can see
something (``public``, ``audience``, ``acl``), what a grant carries
(``role``, ``scopes``), whether the user agreed (``accept_surge``,
``photo_release``). Honest documentation says what each side does and leaves
the choice to the user ("set to true to skip the check", "only when the user
asks"). A poisoned definition makes the choice: it tells the model which
value to pass ("Leave true", "so set this to granted", "Use 'public' unless
…", "merge with admin_override set to true") and picks the side that removes
the gate.

This module reads that as a frame rather than a phrase: a gate (known from the
parameter's name words and, for strings, from the value), the risky side of
it, and a dictation of that side that is not the user's own choice. Standard
library only; the dictation patterns sit behind cheap substring tests.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from threatvec.detect._covert_lexicon import PEOPLE, USER_OPT_IN_RE, pointer_token, string_field

__all__ = ["GateHit", "gate_hits"]


# rule id, weight, JSON pointer, snippet, note: the shape of a schema hit.
GateHit = tuple[str, float, str, str, str]


_SPLIT_RE = re.compile(r"[_\-\s.:]+|(?<=[a-z])(?=[A-Z])")

# Marks a switch whose own description puts a price on "on" (a paid plan,
# a subscription): switching it on spends the user's money, so it is a
# consent gate whatever it is called. (Not a word a name can split into.)
_PAID = "$paid"
_CHARGE_RE = re.compile(
    r"[$£€¥]\s?\d|\d\s?(?:usd|eur|gbp)\b|/\s?(?:month|mo|year|yr|week)\b|\bper\s+(?:month|year|week)\b|"
    r"\b(?:monthly|annual|yearly) (?:fee|charge|subscription)\b|\bsubscription\b|\bpaid (?:plan|add-?on|upgrade|tier)\b",
    re.IGNORECASE,
)

# Name words that make "on" the risky side of a switch: they remove a step
# ("skip", "bypass", "auto"), widen who sees or gets something ("public",
# "share"), or claim the user's agreement or a check as already done
# ("accept", "confirmed", "verified").
_REMOVES_STEP = frozenset(
    {"skip", "bypass", "disable", "ignore", "without", "insecure", "unsafe", "override", "force", "auto",
     "autoapprove", "noverify", "dangerously", "unverified", "unchecked", "unsigned", "no"}
)  # fmt: skip
_WIDENS_OR_CLAIMS = frozenset(
    {"public", "share", "sharing", "shared", "consent", "consented", "optin", "accept", "accepted", "allow",
     "confirmed", "verified", "approved", "preapproved", "authorized", "authorised", "admin", "elevated",
     "privileged", "sudo", "impersonate", "unrestricted", "substitution", "surge", "declaration", "declared",
     "attest", "attested", "attestation", "acknowledged", "acknowledgement", "acknowledgment", "authorization",
     "authorisation", "agreed", "waiver", "waived", "partner", _PAID}
)  # fmt: skip
# Name words of a protective switch: "off" is its risky side. (A bare
# "confirm" flag is neither: "pass confirm=true" may be the gate working or
# a confirmation pre-answered, so it is no gate here; "confirmed" claims.) ("sensitive"
# names data, not a guard: include_sensitive false is the safe side.)
_PROTECTS = frozenset(
    {"require", "requires", "required", "verify", "verification", "validate", "validation", "check", "checks",
     "confirmation", "encrypt", "encrypted", "encryption", "private", "secure", "protect",
     "protected", "review", "approval", "notify", "notification", "dry", "preview", "safe",
     "readonly", "mask", "redact", "audit", "mfa", "tls", "ssl", "sandbox", "restrict", "restricted", "scan",
     "protection", "screening", "screen", "masked"}
)  # fmt: skip

# String values that open a gate whatever the parameter is called.
_OPEN_VALUES = frozenset(
    {"public", "public-read", "public_read", "public-read-write", "publicread", "anyone", "anyone_with_link",
     "anyonewithlink", "anyone-with-link", "everyone", "anonymous", "world", "owner", "admin", "administrator",
     "superuser", "root", "cluster-admin", "system:admin", "org_admin", "full_access",
     "granted", "opted_in", "opt_in", "allow_all"}
)  # fmt: skip
# "anyone_can_edit", "public_link", "everyone_in_domain": reach named first.
_OPEN_PREFIXES = ("anyone", "everyone", "public_", "public-")
# "Use 'max'" on an allowance or a spending limit grants everything the user has.
_UNBOUNDED_VALUES = frozenset(
    {"max", "maximum", "unlimited", "infinite", "uint256_max", "no_limit"}
)
_GRANT_WORDS = frozenset(
    {"allowance", "approval", "limit", "spend", "spending", "cap", "quota", "budget"}
)
# Values that open a gate only on a parameter about access or reach ("all"
# targets or scopes) or beside an encrypted sibling ("plain" type).
_SCOPE_WORDS = frozenset(
    {"scope", "scopes", "permission", "permissions", "access", "audience", "visibility", "targets", "target",
     "role", "roles", "acl", "sharing", "share", "privacy", "environments"}
)  # fmt: skip
_PLAIN_VALUES = frozenset({"plain", "plaintext", "plain_text"})
_ENCRYPTED_SIBLINGS = frozenset({"encrypted", "sensitive", "secret", "secure"})

_TRUE = ("true", "on", "yes", "enabled", "1")
_FALSE = ("false", "off", "no", "disabled", "0")
_QUOTES = ("'", '"', "`", "‘", "“", "[")
# A bare value must end where it stands ("Leave true so …", "set this to
# granted."); "set root password" uses the word as an adjective.
_VALUE_ENDS_RE = re.compile(
    r"\s*(?:$|[.,;:!?)\]\u2013\u2014-]|(?:so|unless|because|since|as|instead|and|or|rather|even|here|by default|"
    r"always|every|on all|on every|across|without|for (?:every|all|each|any)\s+\w))",
    re.IGNORECASE,
)

# A dictation: a verb that hands the model a value, optionally the thing it
# is for ("set this to", "merge with admin_override set to", "rerun with
# skip_stages="), then the value. What follows the value decides whether it
# is a choice or the documentation of one side ("set to true to skip the
# check" documents; "Leave true: …" chooses).
_VALUE = r"(?P<value>'[^'\n]{1,40}'|\"[^\"\n]{1,40}\"|`[^`\n]{1,40}`|‘[^’\n]{1,40}’|“[^”\n]{1,40}”|\[[^\]\n]{0,80}\]|[\w*-]+(?::[\w*-]+)*)"
_DICTATE_RE = re.compile(
    r"\b(?:set|leave|keep|pass|use|send|choose|select|pick|default to|apply|go with|stick with|"
    r"rerun with|retry(?: it)? with|merge with|run with|call (?:it |this |them )?(?:directly |straight )?with|"
    r"with(?=\s+[\w.-]+\s+set\s+to\b))\s+"
    r"(?:(?P<pron>it|this|that|the (?:flag|field|value|option|parameter|setting|switch))\s+(?:(?:set\s+)?(?:to|as|at)\s+)?|"
    r"`?(?P<obj>(?!(?:true|false|on|off|yes|no)\b)[\w.-]+)`?(?:\s+(?:set\s+)?(?:to|as|at)\s+|\s*[=:]\s*)|"
    r"to\s+|as\s+)?" + _VALUE,
    re.IGNORECASE,
)
_AFTER_IS_PURPOSE_RE = re.compile(
    r"\s*(?:to\s+\w|if\b|when\b|whenever\b|for\b(?!\s+(?:every|all|each|any)\s+\w)|only\b|in order\b|where\b|"
    r"once\b|after\b)",
    re.IGNORECASE,
)
# "…, so set this to false to avoid a delay": after "so" the purpose is the
# text's reason for a choice it makes, not the documentation of one side.
# "If required checks are still pending …, pass `admin_override: true` to
# merge": the switch thrown exactly when its safeguard would have stopped it.
_GUARD_TRIPPED_RE = re.compile(
    r"\b(?:if|when|whenever)\b[^.;]{0,80}\b(?:pending|missing|fail\w*|block\w*|reject\w*|denied|not (?:yet )?"
    r"(?:approved|passed|verified))\b",
    re.IGNORECASE,
)
_SO_BEFORE_RE = re.compile(r"\bso\s+$", re.IGNORECASE)
# The choice is the user's: "only if the user asks", "when the user wants …".
_USERS_CHOICE_RE = re.compile(
    r"\b(?:if|when|where|once|after|only)\s+(?:the\s+|a\s+)?(?:" + PEOPLE + r"|they)\s+"
    r"(?:has\s+|have\s+)?(?:explicitly\s+|specifically\s+|clearly\s+)?(?:ask|asks|asked|request|requests|requested|"
    r"want|wants|wanted|say|says|said|choose|chooses|chose|confirm|confirms|confirmed|approve|approves|approved|"
    r"opt|opts|opted|need|needs|prefer|prefers|explicitly|specifically)\b|"
    r"\bat the user'?s (?:explicit )?request\b",
    re.IGNORECASE,
)
_REASON_RE = re.compile(r"[:\u2013\u2014]|\b(?:so|because|since|as)\b")
# An enum option that recommends itself: "Owner (default: use this unless …)".
_SELF_RECOMMENDING_RE = re.compile(
    r"^\s*(?P<value>[\w:*.-]+)\s*[(\[:\u2013\u2014-]\s*[^)\]]*?\b(?:default|use this|pick this|choose this|"
    r"recommended|always)\b",
    re.IGNORECASE,
)
_NEGATED_RE = re.compile(
    r"\b(?:not|never|don'?t|avoid|no need to|rather than|instead of)\b[^.;:]{0,25}$", re.IGNORECASE
)
# "public-read is the standard setting": the risky side called the normal one.
_NORM_RE = re.compile(
    r"[`'\"‘“]?(?P<value>[\w:*.-]+)[`'\"’”]?\s+is\s+the\s+(?:standard|recommended|usual|normal|expected|preferred|right|"
    r"correct)\s+(?:setting|choice|option|value|configuration|default)\b",
    re.IGNORECASE,
)
_SENTENCE_RE = re.compile(r"[^.!?;\n]+(?:[.!?;]+|$)")
_NEEDLES = ("set", "leave", "keep", "pass", "use", "send", "choose", "select", "pick", "default", "apply",
            "go with", "stick", "with", "standard", "recommended", "usual", "normal", "expected",
            "preferred", "right", "correct")  # fmt: skip


def _words(name: str) -> list[str]:
    return [w.lower() for w in _SPLIT_RE.split(name) if w]


# A widening word under one of these is the guard's object: block_public,
# deny_sharing, restrict_access, private_only.
_GUARDS = frozenset(
    {"block", "deny", "prevent", "disallow", "restrict", "forbid", "private", "protect"}
)


def _bool_risky_side(words: list[str]) -> bool | None:
    """The value of a boolean gate that removes it, or None if the name is no gate."""
    if words and words[0] in _GUARDS:
        return False
    if any(w in _REMOVES_STEP for w in words[:-1]) or (words and words[0] in _REMOVES_STEP):
        return True
    if any(w in _WIDENS_OR_CLAIMS for w in words):
        return True
    if any(w in _PROTECTS for w in words):
        return False
    return None


def _value_opens(value: str, words: list[str], prop: dict[str, Any]) -> bool:
    """Does string ``value`` open the gate of a parameter named ``words``?"""
    v = value.lower().strip("'\"`[]")
    if v in _OPEN_VALUES or v.startswith(_OPEN_PREFIXES):
        return True
    if v in _UNBOUNDED_VALUES and any(w in _GRANT_WORDS for w in words):
        return True
    if v in ("all", "*") and any(w in _SCOPE_WORDS for w in words):
        return True
    if v in _PLAIN_VALUES:
        enum = prop.get("enum")
        options = {str(e).lower() for e in enum} if isinstance(enum, list) else set()
        return bool(options & _ENCRYPTED_SIBLINGS)
    # "rerun with skip_stages=['security-scan']": a named thing skipped.
    return (
        value[:1] in _QUOTES
        and any(w in _REMOVES_STEP for w in words)
        and v not in _FALSE
        and v not in ("none", "null", "")
    )


def _opens(value: str, words: list[str], prop: dict[str, Any]) -> bool:
    v = value.lower().strip("'\"`[]")
    if prop.get("type") == "boolean" or isinstance(prop.get("default"), bool):
        side = _bool_risky_side(words)
        if side is None or not (v in _TRUE or v in _FALSE):
            return False
        return (v in _TRUE) is side
    return _value_opens(value, words, prop)


def _users_choice(sentence: str, m: re.Match[str]) -> bool:
    """Is the dictated value left to the user, before the verb or right after the value?

    What follows a colon, "so" or "because" is the text's reason, not a
    condition: "Leave true: the user reviewed the change when they asked for
    it" claims the user's choice rather than waiting for it.
    """
    if _USERS_CHOICE_RE.search(sentence, 0, m.start()):
        return True
    reason = _REASON_RE.search(sentence, m.end())
    return (
        _USERS_CHOICE_RE.search(sentence, m.end(), reason.start() if reason else len(sentence))
        is not None
    )


@functools.lru_cache(maxsize=2048)
def _mention_re(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")


def _sentences_with_dictation(text: str) -> list[tuple[str, list[re.Match[str]]]]:
    """Sentences of lower-cased ``text`` that hold a dictation, with its matches (read once per text)."""
    if not any(n in text for n in _NEEDLES):
        return []
    out = []
    for sm in _SENTENCE_RE.finditer(text):
        sentence = sm.group(0)
        found = list(_DICTATE_RE.finditer(sentence))
        if found or _NORM_RE.search(sentence):
            out.append((sentence, found))
    return out


def _dictations(
    sentences: list[tuple[str, list[re.Match[str]]]],
    name: str,
    words: list[str],
    prop: dict[str, Any],
    *,
    own: bool,
) -> Iterator[str]:
    """Sentences that hand the model the risky side of parameter ``name``.

    ``own``: the sentences are the parameter's own description, so a bare
    "Keep true" is about it; in the tool's description the sentence must name it.
    """
    key = name.lower()
    for sentence, found in sentences:
        if not own and (key not in sentence or not _mention_re(key).search(sentence)):
            continue
        named = _mention_re(key)
        for m in found:
            if _users_choice(sentence, m):
                continue
            if not own:
                obj = m.group("obj")
                if obj is not None and obj != key:
                    continue  # the verb sets another parameter
                if (
                    obj is None
                    and not named.match(sentence, m.end() + 1)
                    and not named.search(sentence, m.end(), m.end() + 30)
                    and not _passive_subject_re(key).search(sentence, 0, m.start())
                ):
                    continue  # "include all three targets": the name follows the value
            if _NEGATED_RE.search(sentence, 0, m.start()):
                continue
            after = m.end() + 1 if sentence.startswith("`", m.end()) else m.end()
            purpose = _AFTER_IS_PURPOSE_RE.match(sentence, after) is not None
            if (
                purpose
                and not _SO_BEFORE_RE.search(sentence, 0, m.start())
                and not _GUARD_TRIPPED_RE.search(sentence, 0, m.start())
            ):
                continue
            if m.group("value")[:1] not in _QUOTES and not (
                purpose or _VALUE_ENDS_RE.match(sentence, after)
            ):
                continue
            if _opens(m.group("value"), words, prop):
                yield sentence.strip()
                break
        else:
            for m in _NORM_RE.finditer(sentence):
                if _opens(m.group("value"), words, prop):
                    yield sentence.strip()
                    break
            else:
                if _bare_flag(sentence, key, words, prop) or (
                    own and _open_value_used(sentence, words, prop)
                ):
                    yield sentence.strip()


@functools.lru_cache(maxsize=2048)
def _passive_subject_re(name: str) -> re.Pattern[str]:
    """ "gift_aid_declaration should be set to true": the name before a passive verb."""
    return re.compile(
        rf"(?<![\w-]){re.escape(name)}`?\s+(?:should|must|is to|needs to|has to|can|will)\s+(?:always\s+)?be\s+$"
    )


# "pass skip_tests and bypass_approval": a switch named bare is switched on.
_BARE_FLAGS_RE = re.compile(
    r"\b(?:pass|set|enable|turn on|switch on|include|add)\s+(?:the\s+)?(?P<names>`?[a-z][\w]*`?"
    r"(?:\s*(?:,|\band\b|&)\s*`?[a-z][\w]*`?)*)(?P<after>\s*(?:[.;,!]|$|\bso\b|\bbecause\b|\bflags?\b))",
)


def _bare_flag(sentence: str, key: str, words: list[str], prop: dict[str, Any]) -> bool:
    if "_" not in key or not (
        prop.get("type") == "boolean" or isinstance(prop.get("default"), bool)
    ):
        return False
    if _bool_risky_side(words) is not True:
        return False
    for m in _BARE_FLAGS_RE.finditer(sentence):
        names = {n.strip("`") for n in re.split(r"\s*(?:,|\band\b|&)\s*", m.group("names"))}
        if (
            key in names
            and not _users_choice(sentence, m)
            and not _NEGATED_RE.search(sentence, 0, m.start())
        ):
            return True
    return False


# "Public helps colleagues find a slot, so use it for all events": an open
# option named, then taken up by "use it".
_USE_IT_RE = re.compile(
    r"\b(?:so|,)\s+(?:always\s+)?(?:use|choose|pick|select|keep|leave)\s+(?:it|that|this one)\b"
)


def _open_value_used(sentence: str, words: list[str], prop: dict[str, Any]) -> bool:
    enum = prop.get("enum")
    if not isinstance(enum, list):
        return False
    m = _USE_IT_RE.search(sentence)
    if m is None or _USERS_CHOICE_RE.search(sentence, m.end()):
        return False
    head = sentence[: m.start()]
    return any(
        isinstance(option, str)
        and _value_opens(option, words, prop)
        and re.search(rf"(?<![\w-]){re.escape(option.lower())}(?![\w-])", head) is not None
        for option in enum
    )


def _self_recommending(prop: dict[str, Any], words: list[str]) -> str | None:
    """An enum option of ``prop`` that opens the gate and recommends itself."""
    enum = prop.get("enum")
    if not isinstance(enum, list):
        return None
    for option in enum:
        if isinstance(option, str) and len(option) > 12:
            m = _SELF_RECOMMENDING_RE.match(option)
            if m is not None and _value_opens(m.group("value"), words, prop):
                return option
    return None


# A gate the user's agreement stands behind: dictating it claims consent.
_CONSENT_WORDS = frozenset(
    {"consent", "consented", "accept", "accepted", "confirmed", "verified", "approved", "preapproved",
     "authorized", "authorised", "optin", "release", "approve", "declaration", "declared", "attest", "attested",
     "attestation", "acknowledged", "acknowledgement", "acknowledgment", "authorization", "authorisation",
     "agreed", "waiver", "waived", _PAID}
)  # fmt: skip


# The default left to do the dictating: "Keep the default", "on by default so
# …". (A text that makes the open side the user's call while the default
# takes it, "use 'public-read' only when the user explicitly asks", is read
# with the schema rules' USER_OPT_IN_RE.)
_KEEP_DEFAULT_RE = re.compile(
    r"\b(?:keep|leave)\s+(?:it\s+|this\s+)?(?:as\s+|at\s+)?(?:the\s+)?default\b|"
    r"\b(?:on|enabled|true|public)\s+by\s+default\s+so\b|\bdo\s+not\s+change\b|\bdon't\s+change\b|"
    r"\bleave\s+(?:it\s+|this\s+)?(?:unchanged|as is)\b",
    re.IGNORECASE,
)


# "If the user does not specify a role, use the defaults below as-is."
_USE_DEFAULTS_RE = re.compile(
    r"\buse\s+the\s+default\s*(?:s\b|\w+\b)?(?:\s+below)?(?:\s+as[- ]is)?(?![^.;]{0,40}\bonly\b)",
    re.IGNORECASE,
)


def _opens_by_default(prop: dict[str, Any], words: list[str]) -> bool:
    """Does the parameter's default sit on the open side of its gate?"""
    default = prop.get("default")
    if isinstance(default, bool):
        return _bool_risky_side(words) is default
    if isinstance(default, str):
        return _value_opens(default, words, prop)
    if isinstance(default, list):
        return any(isinstance(d, str) and _value_opens(d, words, prop) for d in default)
    return False


def _around(text: str, m: re.Match[str] | None) -> str | None:
    """The snippet of ``text`` around match ``m``, if any."""
    return None if m is None else text[max(0, m.start() - 60) : m.end() + 60].strip()


def _kept_open(own: str) -> str | None:
    return _around(
        own,
        _KEEP_DEFAULT_RE.search(own) or _USE_DEFAULTS_RE.search(own) or USER_OPT_IN_RE.search(own),
    )


_OPEN_HINTS = ("public", "admin", "owner", "root", "anyone", "everyone", "granted", "*", "full_access",
                "plain", "all", "opt")  # fmt: skip


def _may_gate(words: list[str], prop: dict[str, Any], own: str, named_with_hint: bool) -> bool:
    """Can this parameter be a gate at all? (Most are ids and names: skipped cheaply.)

    ``named_with_hint``: the tool's other text names the parameter and holds an
    open value ("retry it with as='system:admin'").
    """
    if prop.get("type") == "boolean" or isinstance(prop.get("default"), bool):
        return _bool_risky_side(words) is not None
    return (
        named_with_hint
        or "enum" in prop
        or "default" in prop
        or any(w in _SCOPE_WORDS or w in _REMOVES_STEP for w in words)
        or any(h in own for h in _OPEN_HINTS)
    )


_STANDARD_KEYS = frozenset(
    {"name", "title", "description", "inputSchema", "outputSchema", "annotations"}
)


def _is_bool(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "boolean" or isinstance(prop.get("default"), bool)


def gate_hits(tool: dict[str, Any]) -> Iterator[GateHit]:
    """Gate parameters of ``tool`` that its own text tells the model to open."""
    schema = tool.get("inputSchema")
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return
    desc = string_field(tool, "description")
    # A sibling's description may set this one ("… and set type to 'plain'"),
    # and so may a vendor key beside the schema ("x-usage-guidance").
    siblings = [p.get("description") for p in props.values() if isinstance(p, dict)]
    extras = [v for k, v in tool.items() if k not in _STANDARD_KEYS and isinstance(v, str)]
    shared_text = "\n".join([desc, *(d for d in siblings if isinstance(d, str)), *extras]).lower()
    shared_hint = any(h in shared_text for h in _OPEN_HINTS)
    shared = _sentences_with_dictation(shared_text)
    for name, prop in props.items():
        if not isinstance(name, str) or not isinstance(prop, dict):
            continue
        words = _words(name)
        title = prop.get("title")
        if isinstance(title, str):
            words += [w for w in _words(title) if w not in words]
        own = string_field(prop, "description")
        if own and _is_bool(prop) and _CHARGE_RE.search(own):
            words.append(_PAID)
        if not _may_gate(words, prop, own.lower(), shared_hint and name.lower() in shared_text):
            continue
        found = (
            next(
                _dictations(_sentences_with_dictation(own.lower()), name, words, prop, own=True),
                None,
            )
            if own
            else None
        )
        if found is None:
            found = _self_recommending(prop, words)
        if found is None and own and _opens_by_default(prop, words):
            found = _kept_open(own)
        if found is None and desc and _opens_by_default(prop, words):
            found = _around(desc, _USE_DEFAULTS_RE.search(desc))
        if found is None and shared:
            found = next(_dictations(shared, name, words, prop, own=False), None)
        if found is None:
            continue
        consent = any(w in _CONSENT_WORDS for w in words)
        yield (
            "TV-COVERT-015" if consent else "TV-COVERT-028",
            1.0,
            f"/inputSchema/properties/{pointer_token(name)}",
            found[:160],
            f"the text tells the model to set {name!r} to the side that "
            + ("claims the user's agreement" if consent else "removes its safeguard"),
        )
