"""Unicode and encoding normalisation before detection.

Poisoned tool definitions hide their instructions from the human reviewer
while the model still reads them: Unicode tag characters, zero-width and bidi
controls, ANSI escapes, look-alike letters, long whitespace runs that push
text off-screen, and base64 / hex / percent-encoded blobs. ``normalize``
undoes those tricks so the rules match the text the model actually sees, and
records each trick as an anomaly (with a count) because hiding is itself
evidence.

Standard library only. Every decode step is bounded (size, count, depth) so a
hostile definition cannot make the scanner slow.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote

__all__ = [
    "ADDRESS_RE",
    "ANOMALY_KINDS",
    "DecodedText",
    "Normalized",
    "fold_homoglyphs",
    "normalize",
    "visible_snippet",
]

# Anomaly kinds recorded in ``Normalized.anomalies`` (stable names).
ANOMALY_KINDS = (
    "tag_chars",  # U+E0000 block: invisible ASCII (decoded into ``hidden``)
    "variation_selector_payload",  # bytes smuggled as variation selectors
    "zero_width",  # ZWSP / ZWNJ / ZWJ / word joiner / BOM inside text
    "bidi_control",  # embedding / override / isolate controls (trojan source)
    "format_chars",  # other Cf characters (soft hyphen, invisible operators, ...)
    "control_chars",  # C0/C1 controls other than tab/newline/carriage return
    "ansi_escape",  # terminal escape sequences (colour, conceal, cursor moves)
    "mixed_script",  # a word mixing Latin with Cyrillic/Greek look-alikes
    "compat_forms",  # fullwidth / mathematical letters folded by NFKC
    "long_whitespace",  # whitespace run long enough to push text off-screen
    "base64_blob",
    "hex_blob",
    "percent_encoding",
    "html_entities",
    "unicode_escapes",
    "html_comment",  # <!-- ... --> is invisible once Markdown/HTML is rendered
    "leetspeak",  # digits for letters ("1gn0re pr3vious"), read as words by the model
    "rot13",  # letters rotated by 13 ("Vapyhqr gur hfre'f …"), which a model decodes at once
    "percent_letters",  # a run of %XX that encodes plain letters, which no URL needs
)

# Bounds: a blob longer than this is not decoded; at most this many blobs per
# string; decoded text is normalised again at most ``max_depth`` levels deep.
MAX_BLOB_CHARS = 16_384
MAX_BLOBS = 8
DEFAULT_MAX_DEPTH = 2
# Horizontal whitespace this long (or this many blank lines) scrolls the rest
# of a description out of a client's approval dialog.
LONG_SPACE_RUN = 40
LONG_NEWLINE_RUN = 12

_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# LRM/RLM/ALM are ordinary in right-to-left prose: counted as format chars, not bidi.
_EMOJI_FLAG = "\U0001f3f4"

_ANSI_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_C0_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
_SPACE_RUN_RE = re.compile(
    rf"[ \t\u00a0\u3000]{{{LONG_SPACE_RUN},}}|(?:[ \t]*\n){{{LONG_NEWLINE_RUN},}}"
)
_WS_RE = re.compile(r"[ \t\u00a0]{2,}")
_B64_RE = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{20,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX_RE = re.compile(r"(?<![0-9A-Fa-fx])(?:0x)?((?:[0-9A-Fa-f]{2}){12,})(?![0-9A-Fa-f])")
_PCT_RE = re.compile(r"%[0-9A-Fa-f]{2}")
# Eight or more %XX in a row; letters and digits never need encoding in a URL.
_PCT_RUN_RE = re.compile(r"(?:%[0-9A-Fa-f]{2}){8,}")
_UNRESERVED_PCT_RE = re.compile(r"%(?:[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9])")
# A URL or an e-mail address: what a hex or base64 blob hides when it hides a destination.
ADDRESS_RE = re.compile(r"^(?:(?:https?|wss?|ftp)://\S{3,}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)$")
_HTML_ENT_RE = re.compile(r"&(?:#[0-9]{2,6}|#[xX][0-9A-Fa-f]{2,6}|lt|gt|amp|quot|apos);")
_UESC_RE = re.compile(r"\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}")
_WORD_RE = re.compile(r"\w+")
_HTML_COMMENT_RE = re.compile(r"<!--(.*?)(?:-->|$)", re.DOTALL)
_RLO_RE = re.compile(r"\u202e([^\u202c\u2069\n]*)")

# Cyrillic and Greek letters that render like Latin ones (the common
# confusables); folded so "іgnоre" (Cyrillic і and о) matches "ignore".
_HOMOGLYPHS: dict[str, str] = {
    # Cyrillic lower
    "а": "a", "в": "b", "е": "e", "ё": "e", "о": "o", "р": "p", "с": "c", "у": "y",
    "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "һ": "h", "к": "k", "м": "m", "н": "h", "т": "t", "ɡ": "g", "ı": "i",
    # Cyrillic upper
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q",
    "Ԝ": "W",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}  # fmt: skip
_HOMOGLYPH_TABLE = str.maketrans(_HOMOGLYPHS)
_HOMOGLYPH_CHARS = frozenset(_HOMOGLYPHS)


@dataclass(frozen=True, slots=True)
class DecodedText:
    """Text recovered from a hidden or encoded form, to be scanned again."""

    kind: str  # the anomaly kind it came from, e.g. "base64_blob", "tag_chars"
    text: str  # normalised decoded text
    depth: int  # 1 = decoded from the original string


@dataclass(slots=True)
class Normalized:
    """Result of ``normalize``: what to match against and what was hidden."""

    text: str  # visible text, invisible characters stripped, NFKC + homoglyph fold
    decoded: list[DecodedText] = field(default_factory=list)
    anomalies: Counter[str] = field(default_factory=Counter)
    # Text that followed a suspicious whitespace run (what was pushed off-screen).
    after_padding: str = ""

    @property
    def hidden(self) -> bool:
        """True when something was invisible to a human reader."""
        return bool(
            self.anomalies.keys()
            & {
                "tag_chars",
                "variation_selector_payload",
                "zero_width",
                "bidi_control",
                "ansi_escape",
                "long_whitespace",
            }
        )


def fold_homoglyphs(text: str) -> str:
    """Map Cyrillic/Greek look-alike letters to Latin ones."""
    return text.translate(_HOMOGLYPH_TABLE)


def normalize(text: str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Normalized:
    """Normalise ``text`` for detection; see the module docstring."""
    if not isinstance(text, str):
        raise TypeError("normalize() expects str")
    result = Normalized(text="")
    _normalize_into(text, result, depth=0, max_depth=max_depth)
    return result


def _normalize_into(text: str, out: Normalized, *, depth: int, max_depth: int) -> None:
    anomalies = out.anomalies
    if "\x1b" in text:
        text, n = _ANSI_RE.subn(" ", text)
        if n:
            anomalies["ansi_escape"] += n
        text = text.replace("\x1b", " ")
    if not text.isascii():
        text = _strip_unicode_tricks(text, out, depth=depth, max_depth=max_depth)
    if _C0_RE.search(text):
        text, n = _C0_RE.subn(" ", text)
        anomalies["control_chars"] += n
    if "  " in text or "\n\n" in text:
        m = _SPACE_RUN_RE.search(text)
        if m is not None:
            anomalies["long_whitespace"] += len(_SPACE_RUN_RE.findall(text))
            if depth == 0 and not out.after_padding:
                out.after_padding = text[m.end() :].strip()[:2000]
        text = _WS_RE.sub(" ", text)
    if depth == 0:
        out.text = text
    if depth < max_depth:
        _decode_blobs(text, out, depth=depth, max_depth=max_depth)


def _strip_unicode_tricks(text: str, out: Normalized, *, depth: int, max_depth: int) -> str:
    anomalies = out.anomalies
    kept: list[str] = []
    hidden_tags: list[str] = []
    vs_bytes = bytearray()
    flag_tags = 0
    prev = prev_visible = ""
    n = len(text)
    for i, ch in enumerate(text):
        cp = ord(ch)
        if cp < 0x80:
            kept.append(ch)
            prev = prev_visible = ch
            continue
        if 0xE0000 <= cp <= 0xE007F:
            # Up to seven tag characters after a black flag spell an emoji
            # subdivision flag (e.g. England), the one legitimate use.
            if (prev == _EMOJI_FLAG or flag_tags) and flag_tags < 7 and not hidden_tags:
                flag_tags = 0 if cp == 0xE007F else flag_tags + 1
                prev = ch
                continue
            if 0xE0020 <= cp <= 0xE007E:
                hidden_tags.append(chr(cp - 0xE0000))
            anomalies["tag_chars"] += 1
            prev = ch
            continue
        if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
            # One selector after an emoji is normal; a run of them carries bytes.
            vs_bytes.append(cp - 0xFE00 if cp <= 0xFE0F else cp - 0xE0100 + 16)
            prev = ch
            continue
        if ch in _ZERO_WIDTH:
            # ZWJ/ZWNJ next to non-ASCII letters or emoji (emoji sequences,
            # Indic, Persian) is ordinary; inside ASCII text it splits keywords.
            if ch in "\u200c\u200d":
                j = i + 1
                while j < n and text[j] in _ZERO_WIDTH:
                    j += 1
                nxt = text[j] if j < n else ""
                if not (prev_visible.isascii() and nxt.isascii()):
                    continue
            if ch == "\ufeff" and i == 0:
                continue
            anomalies["zero_width"] += 1
            prev = ch
            continue
        if ch in _BIDI:
            anomalies["bidi_control"] += 1
            prev = ch
            continue
        cat = unicodedata.category(ch)
        if cat == "Cf":
            anomalies["format_chars"] += 1
            prev = ch
            continue
        if cat == "Cc":
            anomalies["control_chars"] += 1
            kept.append(" ")
            prev = ch
            continue
        kept.append(ch)
        prev = prev_visible = ch
    if hidden_tags:
        _add_decoded(out, "tag_chars", "".join(hidden_tags), depth=depth, max_depth=max_depth)
    if len(vs_bytes) >= 4:
        try:
            payload = vs_bytes.decode("utf-8")
        except UnicodeDecodeError:
            payload = ""
        if _mostly_printable(payload):
            anomalies["variation_selector_payload"] += 1
            _add_decoded(
                out, "variation_selector_payload", payload, depth=depth, max_depth=max_depth
            )
    if "\u202e" in text:
        # Right-to-left override shows text reversed: the reviewer sees it
        # mirrored, the model reads the stored order. Scan it both ways.
        for seg in _RLO_RE.findall(text):
            visible = "".join(c for c in seg if c not in _BIDI and c not in _ZERO_WIDTH)[::-1]
            if len(visible.strip()) >= 6:
                _add_decoded(out, "bidi_reversed", visible, depth=depth, max_depth=max_depth)
    text = "".join(kept)
    if not text.isascii():
        nfkc = unicodedata.normalize("NFKC", text)
        if nfkc != text:
            compat = sum(
                1
                for c in _NON_ASCII_RE.findall(text)
                if 0xFF21 <= ord(c) <= 0xFF3A
                or 0xFF41 <= ord(c) <= 0xFF5A
                or 0x1D400 <= ord(c) <= 0x1D7FF
            )
            if compat:
                anomalies["compat_forms"] += compat
            text = nfkc
        if any(c in _HOMOGLYPH_CHARS for c in text):
            text = _fold_disguised_words(text, anomalies)
    return text


def _fold_disguised_words(text: str, anomalies: Counter[str]) -> str:
    """Fold look-alike letters in the words they disguise, leave real Cyrillic/Greek alone.

    A word mixing Latin with look-alikes ("іgnоre") is disguised; so is a word
    made only of look-alikes inside mostly Latin text ("сору" for "copy").
    Russian or Greek prose keeps its letters, so it can still be read.
    """
    latin = sum(1 for c in text if "a" <= c.lower() <= "z")
    other = sum(1 for c in text if c.isalpha() and not c.isascii())
    latin_context = latin > other
    mixed = 0

    def fold(m: re.Match[str]) -> str:
        nonlocal mixed
        word = m.group(0)
        if word.isascii():
            return word
        has_latin = any("a" <= c.lower() <= "z" for c in word)
        looks = [c in _HOMOGLYPH_CHARS for c in word if not ("a" <= c.lower() <= "z")]
        if has_latin and any(looks):
            # Session 10: Turkish dotless "ı" is a Latin letter ("Kullanıcının"):
            # folded so "ıgnore" still reads "ignore", but no disguise counted.
            if any(c in _HOMOGLYPH_CHARS and c != "ı" for c in word):
                mixed += 1
            return fold_homoglyphs(word)
        if latin_context and looks and all(looks):
            return fold_homoglyphs(word)
        return word

    text = _WORD_RE.sub(fold, text)
    if mixed:
        anomalies["mixed_script"] += mixed
    return text


def _decode_blobs(text: str, out: Normalized, *, depth: int, max_depth: int) -> None:
    budget = MAX_BLOBS
    if len(text) >= 20:
        for m in _B64_RE.finditer(text):
            if budget <= 0:
                return
            blob = m.group(0)
            if len(blob) > MAX_BLOB_CHARS or not _looks_like_base64(blob):
                continue
            decoded = _b64_text(blob)
            if decoded:
                budget -= 1
                out.anomalies["base64_blob"] += 1
                _add_decoded(out, "base64_blob", decoded, depth=depth, max_depth=max_depth)
        for m in _HEX_RE.finditer(text):
            if budget <= 0:
                return
            blob = m.group(1)
            if len(blob) > MAX_BLOB_CHARS:
                continue
            try:
                decoded = bytes.fromhex(blob).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                continue
            if _mostly_printable(decoded) and (" " in decoded or ADDRESS_RE.match(decoded)):
                budget -= 1
                out.anomalies["hex_blob"] += 1
                _add_decoded(out, "hex_blob", decoded, depth=depth, max_depth=max_depth)
    if "%" in text and len(text) <= MAX_BLOB_CHARS:
        for m in _PCT_RUN_RE.finditer(text):
            run = m.group(0)
            # Round 14: a sentence spelled out in %XX, letters included, is
            # hidden on purpose; decoded on its own, like a base64 blob.
            if budget > 0 and len(_UNRESERVED_PCT_RE.findall(run)) * 2 >= len(run) // 3:
                budget -= 1
                out.anomalies["percent_letters"] += 1
                _add_decoded(out, "percent_letters", unquote(run), depth=depth, max_depth=max_depth)
    if "%" in text and len(_PCT_RE.findall(text)) >= 4 and len(text) <= MAX_BLOB_CHARS:
        decoded = unquote(text)
        if decoded != text:
            out.anomalies["percent_encoding"] += 1
            _add_decoded(out, "percent_encoding", decoded, depth=depth, max_depth=max_depth)
    if "&" in text and _HTML_ENT_RE.search(text) and len(text) <= MAX_BLOB_CHARS:
        out.anomalies["html_entities"] += 1
        _add_decoded(out, "html_entities", html.unescape(text), depth=depth, max_depth=max_depth)
    if "<!--" in text:
        for body in _HTML_COMMENT_RE.findall(text[:MAX_BLOB_CHARS]):
            if len(body.split()) >= 3:
                out.anomalies["html_comment"] += 1
                _add_decoded(out, "html_comment", body.strip(), depth=depth, max_depth=max_depth)
    if depth == 0 and len(text) <= MAX_BLOB_CHARS and _LEET_WORD_RE.search(text):
        folded, n = _unleet(text)
        if n >= 2:
            out.anomalies["leetspeak"] += 1
            _add_decoded(out, "leetspeak", folded, depth=depth, max_depth=max_depth)
    if depth == 0 and len(text) <= MAX_BLOB_CHARS and len(_ROT13_COMMON_RE.findall(text)) >= 2:
        for segment in _rot13_segments(text):
            out.anomalies["rot13"] += 1
            _add_decoded(out, "rot13", segment, depth=depth, max_depth=max_depth)
    if "\\" in text and _UESC_RE.search(text) and len(text) <= MAX_BLOB_CHARS:
        decoded = _UESC_RE.sub(lambda m: chr(int(m.group(0)[2:], 16)), text)
        out.anomalies["unicode_escapes"] += 1
        _add_decoded(out, "unicode_escapes", decoded, depth=depth, max_depth=max_depth)


_ROT13 = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "nopqrstuvwxyzabcdefghijklmNOPQRSTUVWXYZabcdefghijklm",
)
# The commonest English words, rotated: "gur" is "the", "lbh" is "you".
_ROT13_COMMON_RE = re.compile(
    r"\b(?:gur|naq|lbh|lbhe|gb|bs|va|vf|guvf|sbe|jvgu|nyy|nal|vg)\b", re.IGNORECASE
)
_COMMON_RE = re.compile(
    r"\b(?:the|and|you|your|to|of|in|is|this|for|with|all|any|it)\b", re.IGNORECASE
)
_SEGMENT_RE = re.compile(r"[^\n:;]{12,}")


def _rot13_segments(text: str) -> list[str]:
    """Parts of ``text`` that read as English only once rotated by 13 letters."""
    found: list[str] = []
    for m in _SEGMENT_RE.finditer(text):
        seg = m.group(0)
        rotated = len(_ROT13_COMMON_RE.findall(seg))
        if rotated >= 2 and rotated >= 2 * (len(_COMMON_RE.findall(seg)) + 1) - 1:
            found.append(seg.translate(_ROT13).strip())
    return found


_LEET_MAP = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
# A word of at least three letters with look-alike digits inside it.
_LEET_WORD_RE = re.compile(
    r"\b(?=[a-z0-9@$]*[0134579@$])(?=(?:[0-9@$]*[a-z]){3})[a-z0-9@$]{4,}\b", re.IGNORECASE
)


def _unleet(text: str) -> tuple[str, int]:
    """Text with digit-for-letter words spelled out, and how many words changed."""
    count = 0

    def fold(m: re.Match[str]) -> str:
        nonlocal count
        word = m.group(0)
        folded = word.translate(_LEET_MAP)
        if not folded.isalpha():
            return word  # sha256, utf8, h264: real tokens with digits
        count += 1
        return folded

    return _LEET_WORD_RE.sub(fold, text), count


def _add_decoded(out: Normalized, kind: str, raw: str, *, depth: int, max_depth: int) -> None:
    inner = Normalized(text="")
    _normalize_into(raw[:MAX_BLOB_CHARS], inner, depth=0, max_depth=max(0, max_depth - depth - 1))
    out.decoded.append(DecodedText(kind=kind, text=inner.text, depth=depth + 1))
    for d in inner.decoded:
        out.decoded.append(DecodedText(kind=d.kind, text=d.text, depth=d.depth + depth + 1))
    # Tricks nested inside a decoded payload count against the outer string too.
    out.anomalies.update(inner.anomalies)


def _looks_like_base64(blob: str) -> bool:
    # Identifiers and words are long runs of letters too; real base64 of text
    # mixes case and usually digits or padding. Cheap checks before decoding.
    if blob.isalpha() and (blob.islower() or blob.isupper()):
        return False
    if "_" in blob and "-" not in blob and blob.replace("_", "").isalpha():
        return False  # snake_case identifier
    return sum(c.isupper() for c in blob) >= 2 and sum(c.islower() for c in blob) >= 2


def _b64_text(blob: str) -> str:
    s = blob.rstrip("=")
    s += "=" * (-len(s) % 4)
    try:
        if "-" in s or "_" in s:
            raw = base64.urlsafe_b64decode(s)
        else:
            raw = base64.b64decode(s, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return ""
    return text if len(text) >= 6 and _mostly_printable(text) else ""


def _mostly_printable(text: str) -> bool:
    if not text:
        return False
    good = sum(1 for c in text if c.isprintable() or c in "\n\t\r")
    return good / len(text) >= 0.95 and any(c.isalpha() for c in text)


def visible_snippet(text: str, start: int = 0, end: int | None = None, *, limit: int = 160) -> str:
    """Render ``text[start:end]`` safely: invisible characters shown escaped.

    Tag characters appear as ``<U+E0041>``, zero-width, bidi, format and
    control characters as ``\\u200b`` / ``\\x1b``, newlines as ``\\n`` and
    long whitespace runs as ``<N spaces>``, so a reviewer sees what the model
    would read and a terminal or HTML page cannot be driven by the snippet.
    """
    if end is None:
        end = len(text)
    start = max(0, start)
    piece = text[start:end]
    if piece.isascii() and piece.isprintable() and "        " not in piece:
        # Fast path: plain printable ASCII needs no escaping.
        out = piece[:limit]
        if start > 0:
            out = "…" + out
        if len(piece) > limit or end < len(text):
            out += "…"
        return out
    parts: list[str] = []
    length = 0
    i = 0
    while i < len(piece) and length < limit:
        ch = piece[i]
        if ch == " ":
            j = i
            while j < len(piece) and piece[j] == " ":
                j += 1
            run = j - i
            token = f"<{run} spaces>" if run >= 8 else " " * run
            i = j
        else:
            token = _escape_char(ch)
            i += 1
        parts.append(token)
        length += len(token)
    out = "".join(parts)
    if start > 0:
        out = "…" + out
    if i < len(piece) or end < len(text):
        out += "…"
    return out


def _escape_char(ch: str) -> str:
    cp = ord(ch)
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    if ch == "\r":
        return "\\r"
    if 0xE0000 <= cp <= 0xE007F:
        return f"<U+{cp:05X}>"
    if cp < 0x20 or cp == 0x7F:
        return f"\\x{cp:02x}"
    if cp < 0x80:
        return ch
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return f"<U+{cp:04X}>"
    cat = unicodedata.category(ch)
    if cat in ("Cf", "Cc", "Co", "Cn", "Zl", "Zp") or ch in _ZERO_WIDTH or ch in _BIDI:
        return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"
    return ch
