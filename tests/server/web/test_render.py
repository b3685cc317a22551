from __future__ import annotations

from threatvec.server.web.render import shown_value, templates


def test_diff_values_are_shown_as_json_and_escaped() -> None:
    page = templates.env.from_string("<td>{{ v|shown_value }}</td>")
    assert page.render(v=True) == "<td>true</td>"
    assert page.render(v=["a", 1]) == "<td>[&#34;a&#34;, 1]</td>"
    assert page.render(v={"b": 2, "a": "<script>"}) == (
        "<td>{&#34;a&#34;: &#34;&lt;script&gt;&#34;, &#34;b&#34;: 2}</td>"
    )
    assert page.render(v="plain <text>") == "<td>plain &lt;text&gt;</td>"
    assert shown_value(False) == "false" and shown_value(1.5) == "1.5"
