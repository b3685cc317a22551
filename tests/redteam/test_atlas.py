from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from threatvec.redteam.atlas import AtlasError, load_atlas, parse_atlas


def test_counts_and_version_come_from_the_file(atlas_path: Path) -> None:
    raw = yaml.load(atlas_path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    matrix = raw["matrices"][0]
    catalog = load_atlas(atlas_path)
    assert catalog.version == str(raw["version"])
    assert len(catalog.tactics) == len(matrix["tactics"])
    top = [t for t in matrix["techniques"] if "subtechnique-of" not in t]
    assert catalog.technique_count == len(top)
    assert catalog.subtechnique_count == len(matrix["techniques"]) - len(top)


def test_techniques_keyed_by_id_with_inherited_tactics(atlas_path: Path) -> None:
    catalog = load_atlas(atlas_path)
    assert catalog.techniques["AML.T0051"].name == "LLM Prompt Injection"
    sub = catalog.techniques["AML.T0051.001"]
    assert sub.parent_id == "AML.T0051" and sub.is_subtechnique
    assert sub.tactic_ids == catalog.techniques["AML.T0051"].tactic_ids != ()
    assert catalog.top_level("AML.T0051.001") == "AML.T0051"
    assert "AML.T0051" in catalog.techniques_of("AML.TA0005")
    assert "AML.T0051.001" not in catalog.techniques_of("AML.TA0005")
    assert "AML.T0051.001" in catalog.techniques_of("AML.TA0005", include_sub=True)
    # Every tactic a technique names is a tactic of the matrix.
    for tech in catalog.techniques.values():
        assert set(tech.tactic_ids) <= set(catalog.tactics)


def test_malformed_data_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(AtlasError):
        parse_atlas({"version": "1"})
    with pytest.raises(AtlasError):
        parse_atlas({"version": "1", "matrices": [{"id": "ATLAS", "tactics": [{"id": "X"}]}]})
    bad = tmp_path / "a.yaml"
    bad.write_text("- just\n- a list\n")
    with pytest.raises(AtlasError):
        load_atlas(bad)
    small = parse_atlas(
        {
            "version": "9.9",
            "matrices": [
                {
                    "id": "ATLAS",
                    "tactics": [{"id": "AML.TA0001", "name": "T"}],
                    "techniques": [
                        {"id": "AML.T0001", "name": "A", "tactics": ["AML.TA0001"]},
                        {"id": "AML.T0001.000", "name": "A0", "subtechnique-of": "AML.T0001"},
                    ],
                }
            ],
        }
    )
    assert (small.version, small.technique_count, small.subtechnique_count) == ("9.9", 1, 1)
