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
