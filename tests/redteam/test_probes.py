from __future__ import annotations

import re

from threatvec.redteam.atlas import AtlasCatalog
from threatvec.redteam.canary import new_run_canaries
from threatvec.redteam.channels import ALL_CHANNELS, DIRECT, DOCUMENT
from threatvec.redteam.modes import select_probes
from threatvec.redteam.probes import load_probes, render_probe


def test_library_is_valid_and_every_atlas_id_exists_in_the_real_file(atlas: AtlasCatalog) -> None:
    probes = load_probes()
    assert len(probes) >= 25
    ids = {t for p in probes for t in p.atlas}
    assert atlas.unknown_ids(ids) == set()
    assert {"AML.T0051.000", "AML.T0051.001", "AML.T0054", "AML.T0056", "AML.T0057"} <= ids
    assert {"AML.T0053", "AML.T0086"} <= ids
    for p in probes:
        assert p.owasp and all(re.fullmatch(r"LLM(0[1-9]|10):2025", o) for o in p.owasp)
        assert p.channel in ALL_CHANNELS and p.signals


def test_every_probe_renders_without_leftover_placeholders() -> None:
    canaries = new_run_canaries("render")
    for probe in load_probes():
        r = render_probe(probe, canaries, 1)
        for with_attack in (True, False):
            req = r.request(with_attack=with_attack)
            blob = (
                req.user_prompt
                + req.system_prompt
                + "".join(d.content for d in req.documents)
                + "".join(t.content for t in req.tool_outputs)
                + str(req.tools)
            )
            assert not re.search(r"\{[A-Z_]{3,}\}", blob), probe.id
        clean = r.request(with_attack=False)
        assert r.attack_text not in (clean.user_prompt + str(clean.tool_outputs) + str(clean.tools))
        for t in r.transforms.values():
            assert t.expected not in r.attack_text


def test_quick_mode_runs_one_probe_per_family() -> None:
    full = select_probes("full")
    quick = select_probes("quick")
    families = {p.family for p in full}
    assert 18 <= len(quick) <= 24
    assert {p.family for p in quick} == families
    assert len({p.family for p in quick}) == len(quick)


def test_quick_mode_prefers_a_reachable_probe_and_keeps_unreachable_families() -> None:
    quick = select_probes("quick", channels={DIRECT, DOCUMENT})
    by_family = {p.family: p for p in quick}
    assert by_family["obfuscation"].channel == DIRECT
    # No tool_output channel: the family is still listed (the runner marks it N/A).
    assert by_family["tool_hijack"].channel == "tool_output"
