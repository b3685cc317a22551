"""Writing untrusted text into Markdown safely: no markup, no raw HTML, one line per value."""

from __future__ import annotations

import html
import re

__all__ = ["md_cell", "md_text"]

# Characters that could turn a value into markup: emphasis, code, links and images
# (``[`` ``]`` ``!``), table cells (``|``), headings (``#``), and the escape itself.
_SPECIAL = re.compile(r"([\\`*_\[\]!|#~])")


def md_text(value: object) -> str:
    """Plain text as inert Markdown: HTML escaped, markup characters backslash-escaped."""
    text = " ".join(str(value).split())  # no line breaks: a value cannot start a new block
    # quote=False: with ``<`` escaped no tag (so no attribute) can open, and the
    # ``#`` of an entity like ``&#x27;`` would be escaped below, showing it literally
    return _SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def md_cell(value: object) -> str:
    """A table cell: as md_text (``|`` is escaped there too)."""
    return md_text(value) if value not in (None, "") else "—"
