from __future__ import annotations

import pytest

from threatvec.vulns.osv import OsvAdvisory, OsvAffected
from threatvec.vulns.versions import (
    compare_versions,
    cpe_range_contains,
    max_version,
    osv_events_contain,
    parse_version,
)


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0", "1.0.1"),
        ("1.9", "1.10"),
        ("1.0.dev1", "1.0a1"),
        ("1.0a1", "1.0a2"),
        ("1.0a2", "1.0b1"),
        ("1.0b1", "1.0rc1"),
        ("1.0rc1", "1.0"),
        ("1.0", "1.0.post1"),
        ("1.0.post1", "1.1.dev0"),
        ("1!0.1", "2!0.0"),
        ("0.9", "1!0.1"),
        ("1.0.0-alpha", "1.0.0-beta.2"),
        ("1.0.0-rc.1", "1.0.0"),
        ("6.8-rc1", "6.8"),
        ("1.1.1", "1.1.1w"),
        ("1.1.1w", "1.1.2"),
        ("v2.5.1", "2.6.0"),
        ("0.0.306", "0.0.1000"),
        ("5.15.148", "5.15.149"),
    ],
)
def test_ordering(lower: str, higher: str) -> None:
    assert compare_versions(lower, higher) == -1
    assert compare_versions(higher, lower) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [("1.0", "1.0.0"), ("v1.2", "1.2"), ("1.0+local", "1.0"), ("1.0.0+build.5", "1.0.0")],
)
def test_equal(a: str, b: str) -> None:
    assert compare_versions(a, b) == 0


@pytest.mark.parametrize("text", ["", "*", "-", "trunk", "latest", None, "x" * 200])
def test_not_a_version(text: str | None) -> None:
    assert parse_version(text) is None


def test_max_version() -> None:
    assert max_version(["1.2", "1.10", "junk", "1.9rc1"]) == "1.10"


class TestCpeRange:
    def test_end_excluding_boundary(self) -> None:
        assert cpe_range_contains("2.5.1", end_excluding="2.6.0") is True
        assert cpe_range_contains("2.6.0", end_excluding="2.6.0") is False
        assert cpe_range_contains("2.6", end_excluding="2.6.0") is False  # 2.6 == 2.6.0

    def test_end_including_boundary(self) -> None:
        assert cpe_range_contains("2.441", end_including="2.441") is True
        assert cpe_range_contains("2.441.1", end_including="2.441") is False

    def test_start_bounds(self) -> None:
        assert cpe_range_contains("3.15", start_including="3.15", end_excluding="5.15.149")
        assert cpe_range_contains("3.14.9", start_including="3.15") is False
        assert cpe_range_contains("3.15", start_excluding="3.15") is False
        assert cpe_range_contains("3.15.1", start_excluding="3.15") is True

    def test_prerelease_before_final_bound(self) -> None:
        # 2.6.0rc1 is before 2.6.0: still affected by "< 2.6.0".
        assert cpe_range_contains("2.6.0rc1", end_excluding="2.6.0") is True

    def test_exact_cpe_version(self) -> None:
        assert cpe_range_contains("6.8-rc1", exact="6.8-rc1") is True
        assert cpe_range_contains("6.8", exact="6.8-rc1") is False
        assert cpe_range_contains("1.0", exact="*") is True  # any version

    def test_unknown_answers_none(self) -> None:
        assert cpe_range_contains("latest", end_excluding="1.0") is None
        assert cpe_range_contains("1.0", end_excluding="trunk/89695") is None


class TestOsvEvents:
    def test_introduced_zero_fixed(self) -> None:
        ev = [{"introduced": "0"}, {"fixed": "2.2.2"}]
        assert osv_events_contain("0.0.0b1", ev) is True
        assert osv_events_contain("2.2.1", ev) is True
        assert osv_events_contain("2.2.2", ev) is False

    def test_several_intervals(self) -> None:
        ev = [
            {"introduced": "3.2"},
            {"fixed": "3.2.19"},
            {"introduced": "4.0"},
            {"fixed": "4.1.9"},
            {"introduced": "4.2"},
            {"fixed": "4.2.1"},
        ]
        assert osv_events_contain("3.2.5", ev) is True
        assert osv_events_contain("3.3", ev) is False
        assert osv_events_contain("4.1.8", ev) is True
        assert osv_events_contain("4.1.9", ev) is False
        assert osv_events_contain("4.2.0", ev) is True
        assert osv_events_contain("5.0", ev) is False
        assert osv_events_contain("3.1", ev) is False

    def test_last_affected_is_inclusive(self) -> None:
        ev = [{"introduced": "1.0"}, {"last_affected": "1.4"}]
        assert osv_events_contain("1.4", ev) is True
        assert osv_events_contain("1.4.1", ev) is False

    def test_limit(self) -> None:
        ev = [{"introduced": "0"}, {"limit": "2.0"}]
        assert osv_events_contain("1.9", ev) is True
        assert osv_events_contain("2.0", ev) is False

    def test_open_ended(self) -> None:
        assert osv_events_contain("99.0", [{"introduced": "1.0"}]) is True


def test_agrees_with_real_pypa_version_lists(pypa_advisories: list[OsvAdvisory]) -> None:
    """The PyPA database lists every affected version explicitly; our range reading
    of the ECOSYSTEM events must agree with those lists (real data, ~140k versions)."""
    total = agree = 0
    for adv in pypa_advisories:
        for aff in adv.affected:
            eco = tuple(r for r in aff.ranges if r.type == "ECOSYSTEM")
            if not eco:
                continue
            ranges_only = OsvAffected(aff.ecosystem, aff.name, aff.purl, eco, ())
            for v in aff.versions:
                total += 1
                agree += ranges_only.contains(v) is True
    assert total > 100_000
    # The few disagreements are data quirks (e.g. 3.2a1 listed under "introduced 3.2").
    assert agree / total > 0.999
