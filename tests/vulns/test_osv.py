from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from threatvec.vulns.osv import OsvAdvisory, OsvClient, OsvFileError, iter_osv_dir, load_osv_file

from .conftest import Reply, Req


def test_real_pypa_database(pypa_advisories: list[OsvAdvisory]) -> None:
    assert len(pypa_advisories) >= 2600
    mlflow = next(a for a in pypa_advisories if a.id == "PYSEC-2023-28")
    assert mlflow.package_names == ("mlflow",)
    aff = mlflow.affected[0]
    assert {r.type for r in aff.ranges} == {"GIT", "ECOSYSTEM"}
    assert aff.contains("2.2.1") is True and aff.contains("2.2.2") is False
    with_cves = [a for a in pypa_advisories if a.cve_ids]
    assert len(with_cves) > 2000
    assert all(c.startswith("CVE-") for a in with_cves for c in a.cve_ids)


def test_json_and_yaml_files_and_bad_ones(tmp_path: Path, data_dir: Path) -> None:
    src = data_dir / "osv" / "pypa-advisory-database" / "vulns" / "mlflow" / "PYSEC-2023-28.yaml"
    doc = yaml.safe_load(src.read_text())
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.json").write_text(json.dumps(doc, default=str))
    (tmp_path / "a" / "y.yaml").write_text(src.read_text())
    (tmp_path / "a" / "broken.yaml").write_text("id: [unclosed\n")
    (tmp_path / "a" / "noid.json").write_text("{}")
    (tmp_path / "a" / "README.md").write_text("not an advisory")
    errors: list[OsvFileError] = []
    got = list(iter_osv_dir(tmp_path, errors=errors.append))
    assert [a.id for a in got] == ["PYSEC-2023-28", "PYSEC-2023-28"]
    assert got[0].affected == got[1].affected
    assert sorted(Path(e.path).name for e in errors) == ["broken.yaml", "noid.json"]
    assert load_osv_file(tmp_path / "a" / "y.yaml").cve_ids == got[0].cve_ids


class FakeOsv:
    """OSV's /v1/query and /v1/querybatch over the real PyPA advisories; the
    affected test uses each advisory's explicit `versions` list, independent of
    the client's own range logic."""

    def __init__(self, advisories: list[OsvAdvisory], raw: dict[str, dict[str, Any]]) -> None:
        self.by_pkg: dict[str, list[str]] = {}
        for a in advisories:
            for name in a.package_names:
                self.by_pkg.setdefault(name.lower(), []).append(a.id)
        self.raw = raw

    def _match(self, q: dict[str, Any]) -> list[str]:
        name = q["package"]["name"].lower()
        version = q.get("version")
        out = []
        for adv_id in self.by_pkg.get(name, []):
            raw = self.raw[adv_id]
            for aff in raw.get("affected", []):
                if aff["package"]["name"].lower() != name:
                    continue
                if version is None or version in [str(v) for v in aff.get("versions", [])]:
                    out.append(adv_id)
                    break
        return out

    def __call__(self, req: Req) -> Reply:
        body = req.json()
        if req.path == "/v1/query":
            ids = self._match(body)
            return Reply(
                200, {"vulns": [json.loads(json.dumps(self.raw[i], default=str)) for i in ids]}
            )
        if req.path == "/v1/querybatch":
            return Reply(
                200,
                {
                    "results": [
                        {
                            "vulns": [
                                {"id": i, "modified": "2024-01-01T00:00:00Z"}
                                for i in self._match(q)
                            ]
                        }
                        for q in body["queries"]
                    ]
                },
            )
        return Reply(404, {"code": 5, "message": "Not found"})


def _raw_for(data_dir: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    raw = {}
    for name in names:
        for f in (data_dir / "osv" / "pypa-advisory-database" / "vulns" / name).glob("*.yaml"):
            doc = yaml.safe_load(f.read_text())
            raw[doc["id"]] = doc
    return raw


def test_query_and_querybatch(
    serve: Any, data_dir: Path, pypa_advisories: list[OsvAdvisory]
) -> None:
    raw = _raw_for(data_dir, ["mlflow", "langchain", "torch"])
    subset = [a for a in pypa_advisories if a.id in raw]
    server = serve(FakeOsv(subset, raw))
    with OsvClient(server.url) as client:
        at_220 = client.query("mlflow", "PyPI", "2.2.0")
        assert "PYSEC-2023-28" in {a.id for a in at_220}
        assert all(any(aff.contains("2.2.0") is not False for aff in a.affected) for a in at_220)
        fixed = {a.id for a in client.query("mlflow", "PyPI", "99.0")}
        assert "PYSEC-2023-28" not in fixed
        batch = client.query_batch(
            [
                ("mlflow", "PyPI", "2.2.0"),
                ("langchain", "PyPI", "0.0.171"),
                ("no-such-package", "PyPI", "1.0"),
            ]
        )
    assert len(batch) == 3 and "PYSEC-2023-28" in batch[0] and batch[1] and batch[2] == []
    assert server.requests[0].json() == {
        "package": {"name": "mlflow", "ecosystem": "PyPI"},
        "version": "2.2.0",
    }
