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
    assert "87.4" in texts and EVIL in texts  # escaped in the markup, intact as text
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


def _gauge_text(value: float) -> str:
    root = _parse(gauge(value))
    texts = list(root.iter("{http://www.w3.org/2000/svg}text")) or list(root.iter("text"))
    return str(texts[0].text)


def test_gauge_reads_the_score_as_shown_beside_it_and_in_its_band() -> None:
    # The Overview prints "52.7 / 100" under the gauge; the gauge read "53".
    assert _gauge_text(52.7) == "52.7"
    # 79.6 is amber (< 80): the gauge read "80" in amber, 49.7 read "50" in red
    assert _gauge_text(79.6) == "79.6" and WARN in str(gauge(79.6))
    assert _gauge_text(49.7) == "49.7" and BAD in str(gauge(49.7))
    # one decimal rounded half away from zero, as every score; the colour follows the number
    assert _gauge_text(79.96) == "80.0" and GOOD in str(gauge(79.96))
    assert _gauge_text(100) == "100.0" and _gauge_text(0) == "0.0"
