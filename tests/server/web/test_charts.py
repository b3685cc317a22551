import xml.etree.ElementTree as ET

from threatvec.server.web.charts import BAD, GOOD, GRAY, WARN, HeatCell, bar, gauge, heatmap, line

EVIL = '<script>alert("x")</script>&'


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # well-formed XML or this raises


def test_gauge_values_and_no_data() -> None:
    root = _parse(gauge(87.4, label=EVIL))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")] or [
        t.text for t in root.iter("text")
    ]
    assert "87" in texts and EVIL in texts  # escaped in the markup, intact as text
    assert "<script>" not in str(gauge(50, label=EVIL))
    assert GOOD in str(gauge(90)) and WARN in str(gauge(60)) and BAD in str(gauge(10))
    assert "no data" in str(gauge(None)) and GOOD not in str(gauge(None))


def test_line_gaps_and_empty() -> None:
    svg = str(line([("Mon", 50), ("Tue", None), ("Wed", 70), ("Thu", 80)]))
    _parse(svg)
    assert svg.count("<polyline") == 2  # the None splits the line
    assert "no data yet" in str(line([]))


def test_bar_and_heatmap_escape_and_colour() -> None:
    _parse(bar([(EVIL, 3), ("b", 1)]))
    assert "<script>" not in str(bar([(EVIL, 3)]))
    svg = str(
        heatmap(
            [
                HeatCell("Initial Access", "AML.T0051", 90),
                HeatCell("Initial Access", "AML.T0054", 60),
                HeatCell("Exfiltration", "AML.T0057", None),
                HeatCell(EVIL, "AML.T0024", 10),
            ]
        )
    )
    _parse(svg)
    assert GOOD in svg and WARN in svg and GRAY in svg and BAD in svg
    assert "untested" in svg and "<script>" not in svg
