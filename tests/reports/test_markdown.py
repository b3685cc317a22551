"""Untrusted values in the Board Pack's Markdown stay plain text."""

from __future__ import annotations

from threatvec.reports.markdown import md_cell, md_text


def test_html_links_images_and_table_breaks_are_inert() -> None:
    hostile = "<img src=x onerror=alert(1)> ![p](https://t.example/p.png) [x](javascript:1) a|b"
    out = md_text(hostile)
    assert "<img" not in out and "&lt;img" in out
    assert "![" not in out and "](" not in out.replace("\\]", "")
    assert "\\|" in out and "|" not in out.replace("\\|", "")
    assert md_text("line one\n# heading") == "line one \\# heading"
    assert md_cell(None) == "—" and md_cell("") == "—"


def test_values_render_back_as_written_in_a_commonmark_viewer() -> None:
    """What an auditor reads in a Markdown viewer is the value itself: quotes, ``&`` and
    ``#`` included (an escaped entity like ``&\\#x27;`` would show as literal text)."""
    import html
    import re

    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    for value in (
        'Bob\'s "support" bot #1 & co',
        "each control's evidence",
        "a|b *c* _d_ [e](f) `g` ~h~ \\i <j> &amp;",
    ):
        rendered = md.render(md_text(value))
        assert "<" not in re.sub(r"</?p>", "", rendered).replace("&lt;", "")
        text = html.unescape(re.sub(r"</?p>\n?", "", rendered))
        assert text == value, (value, md_text(value), rendered)
