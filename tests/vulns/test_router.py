"""The patches, CVE and tech-stack API over the real app and database."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import Api, create_org
from threatvec.store.engine import session_scope
from threatvec.vulns import demo
from threatvec.vulns.stack import MAX_STACK_BYTES, MAX_STACK_ROWS


@pytest.fixture
def seeded(api: Api, session_factory) -> Api:
    with session_scope(session_factory) as s:
        demo.seed(session=s, org_id=api.org.id)
    return api


def _csv_upload(text: str, name: str = "stack.csv") -> dict:
    return {"file": (name, text.encode(), "text/csv")}


def test_list_patches_with_filters_sorts_and_pages(seeded: Api) -> None:
    r = seeded.get("/patches", params={"limit": 5, "with_total": "true"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["items"]) == 5 and body["next_cursor"] and body["total"] >= 12
    first = body["items"][0]
    assert {c["name"] for c in first["components"]} == {"cvss", "stack", "epss", "age"}
    assert {"due", "overdue", "basis", "starts"} <= set(first["sla"])
    nxt = seeded.get("/patches", params={"limit": 5, "cursor": body["next_cursor"]}).json()
    assert not {i["id"] for i in nxt["items"]} & {i["id"] for i in body["items"]}

    crit = seeded.get("/patches", params=[("severity", "CRITICAL"), ("status", "open")]).json()
    assert crit["items"] and all(
        i["severity"] == "CRITICAL" and i["status"] == "open" for i in crit["items"]
    )
    linux = seeded.get("/patches", params={"technology": "linux", "sort": "-cvss"}).json()
    assert {i["cve_id"] for i in linux["items"]} >= {"CVE-2024-1086", "CVE-2023-0386"}
    cvss = [i["cvss_score"] for i in linux["items"]]
    assert cvss == sorted(cvss, reverse=True)
    kev = seeded.get("/patches", params={"kev": "true"}).json()["items"]
    assert kev and all(i["kev"] for i in kev)
    all_ = seeded.get("/patches", params={"scope": "all", "limit": 500}).json()["items"]
    assert "CVE-2024-3094" in {i["cve_id"] for i in all_}
    assert seeded.get("/patches", params={"sort": "-severity"}).status_code == 422
    assert seeded.get("/patches", params={"cursor": "%%%"}).status_code == 422


def test_stats_detail_and_status_change(seeded: Api) -> None:
    stats = seeded.get("/patches/stats").json()
    assert stats["stack_entries"] == 10 and stats["open_critical"] >= 1
    kev = seeded.get(
        "/patches",
        params=[
            ("kev", "true"),
            ("status", "open"),
            ("status", "investigating"),
            ("with_total", "true"),
        ],
    )
    assert stats["kev"] == kev.json()["total"] >= 3
    d = seeded.get("/patches/CVE-2025-32434")
    assert d.status_code == 200
    detail = d.json()
    assert detail["cve"]["cvss"]["score"] == 9.8 and detail["history"] == []
    assert detail["stack"]["technology"] == "pytorch"
    r = seeded.patch(f"/patches/{detail['id']}/status", json={"status": "investigating"})
    assert r.status_code == 200 and r.json()["history"][-1]["to_status"] == "investigating"
    assert r.json()["history"][-1]["changed_by"]
    assert (
        seeded.patch("/patches/CVE-2025-32434/status", json={"status": "deployed"}).status_code
        == 409
    )
    bad = seeded.patch("/patches/CVE-2025-32434/status", json={"status": "wont_fix"})
    assert bad.status_code == 422 and "justification" in bad.text
    assert bad.json()["errors"][0]["loc"] == ["body", "justification"]
    early = seeded.patch(
        "/patches/CVE-2025-32434/status", json={"status": "open", "expires_on": "2099-01-01"}
    )
    assert early.status_code == 422 and early.json()["errors"][0]["loc"] == ["body", "expires_on"]
    ok = seeded.patch(
        "/patches/CVE-2025-32434/status",
        json={
            "status": "wont_fix",
            "justification": "sandboxed loader",
            "expires_on": "2099-01-01",
        },
    )
    assert ok.status_code == 200 and ok.json()["sla"]["clock_stopped"]
    assert seeded.get("/patches/CVE-1999-0001").status_code == 404


def test_cve_facts_are_shared_but_patches_are_not(seeded: Api, client, session_factory) -> None:
    other = Api(client, create_org(session_factory))
    a_detail = seeded.get("/patches/CVE-2024-1086").json()
    facts = other.get("/cves/CVE-2024-1086")
    assert facts.status_code == 200
    assert facts.json()["kev"]["listed"] and a_detail["id"] not in facts.text
    assert other.get(f"/patches/{a_detail['id']}").status_code == 404
    assert (
        other.patch(
            f"/patches/{a_detail['id']}/status", json={"status": "investigating"}
        ).status_code
        == 404
    )
    assert other.get("/patches").json()["items"] == []
    assert other.get("/tech-stack").json()["items"] == []
    entry = seeded.get("/tech-stack").json()["items"][0]
    assert other.delete(f"/tech-stack/{entry['id']}").status_code == 404
    assert other.get("/cves/CVE-1999-0001").status_code == 404
    assert other.get("/cves/not-a-cve").status_code == 404


def test_tech_stack_import_reports_bad_rows_by_line(api: Api) -> None:
    text = (
        "technology,version,vendor,asset_count\n"
        "pytorch,2.5.1,Meta,12\n"
        ",1.0,,\n"
        "langchain,0.1.10,LangChain,many\n"
        "ollama,0.1.32,Ollama,3\n"
    )
    strict = api.post("/tech-stack/import", params={"strict": "true"}, files=_csv_upload(text))
    assert strict.status_code == 200, strict.text
    body = strict.json()
    assert body["applied"] is False and body["imported"] == 0
    assert [e["line"] for e in body["rejected"]] == [3, 4]
    assert api.get("/tech-stack").json()["items"] == []
    r = api.post("/tech-stack/import", files=_csv_upload(text))
    body = r.json()
    assert body["applied"] and body["format"] == "csv" and body["imported"] == 2
    assert "asset_count" in body["rejected"][1]["reason"]
    names = {e["name"] for e in api.get("/tech-stack").json()["items"]}
    assert names == {"torch", "ollama"}
    again = api.post("/tech-stack/import", files=_csv_upload(text)).json()
    assert again["imported"] == 0 and again["unchanged"] == 2


def test_tech_stack_semicolon_export_named_txt_is_csv(api: Api) -> None:
    # A spreadsheet's semicolon export saved as .txt: read as CSV, not as a
    # requirements file whose every line is a bad requirement.
    data = b"Technology;Version;Asset Count\r\nredis;7.2.4;2\r\n"
    r = api.post("/tech-stack/import", files={"file": ("stack.txt", data, "text/plain")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["format"] == "csv" and body["imported"] == 1 and body["rejected"] == []
    (entry,) = api.get("/tech-stack").json()["items"]
    assert (entry["technology"], entry["version"], entry["asset_count"]) == ("redis", "7.2.4", 2)


def test_tech_stack_formats_and_limits(api: Api) -> None:
    req = api.post(
        "/tech-stack/import",
        files={"file": ("requirements.txt", b"torch==2.5.1\nlangchain>=0.1\n", "text/plain")},
    ).json()
    assert req["format"] == "requirements" and req["imported"] == 2
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [
            {
                "type": "library",
                "name": "mlflow",
                "version": "2.1.1",
                "purl": "pkg:pypi/mlflow@2.1.1",
            }
        ],
    }
    r = api.post(
        "/tech-stack/import",
        data={"format": "cyclonedx"},
        files={"file": ("bom.json", json.dumps(sbom).encode(), "application/json")},
    )
    assert r.status_code == 200 and r.json()["imported"] == 1
    big = b"technology\n" + b"x" * (MAX_STACK_BYTES + 10)
    assert api.post("/tech-stack/import", files=_csv_upload(big.decode())).status_code == 413
    rows = "technology\n" + "".join(f"pkg{i}\n" for i in range(MAX_STACK_ROWS + 1))
    too_many = api.post("/tech-stack/import", files=_csv_upload(rows))
    assert too_many.status_code == 422 and "rows" in too_many.text
    no_col = api.post("/tech-stack/import", files=_csv_upload("name,version\nx,1\n"))
    assert no_col.status_code == 422 and "technology" in no_col.text
    assert api.post("/tech-stack/import", files=_csv_upload("")).status_code == 422
    entries = api.get("/tech-stack").json()["items"]
    target = next(e for e in entries if e["name"] == "mlflow")
    assert api.delete(f"/tech-stack/{target['id']}").status_code == 204
    assert api.delete(f"/tech-stack/{target['id']}").status_code == 404


def test_template_csv_is_safe_to_open(api: Api, client) -> None:
    r = api.get("/tech-stack/template.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "tech-stack-template.csv" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["technology", "version", "vendor", "asset_count"] and len(rows) > 2
    assert not any(c.startswith(("=", "+", "-", "@")) for row in rows for c in row)
    # also under the file name the help page gives
    assert api.get("/tech-stack-template.csv").text == r.text


# The help page's "CSV format" example, verbatim: it is the contract the template follows.
HELP_PAGE_STACK_EXAMPLE = [
    ["technology", "version", "vendor", "asset_count"],
    ["postgresql", "16.2", "PostgreSQL Global Development Group", "3"],
    ["redis", "7.2.4", "Redis Ltd", "2"],
    ["langchain", "0.2.1", "LangChain Inc", "2"],
]


def test_template_rows_are_the_help_pages_example(api: Api) -> None:
    """A user who downloads the template sees exactly what the help page shows."""
    for path in ("/tech-stack/template.csv", "/tech-stack-template.csv"):
        rows = list(csv.reader(io.StringIO(api.get(path).text)))
        assert rows == HELP_PAGE_STACK_EXAMPLE, path
    # and it imports as written: three entries, versions and asset counts kept
    template = api.get("/tech-stack/template.csv").text
    r = api.post("/tech-stack/import", files=_csv_upload(template))
    assert r.status_code in (200, 201), r.text
    entries = {e["name"]: e for e in api.get("/tech-stack").json()["items"]}
    assert {n: (e["version"], e["asset_count"]) for n, e in entries.items()} == {
        "postgresql": ("16.2", 3),
        "redis": ("7.2.4", 2),
        "langchain": ("0.2.1", 2),
    }


def test_ask_answers_the_linux_question(seeded: Api) -> None:
    r = seeded.post("/patches/ask", json={"question": "what linux patches matter most right now?"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["engine"] == "rules" and body["intent"]["technology"] == "linux"
    assert body["cited"][0] == "CVE-2024-1086"
    assert set(body["cited"]) <= {i["cve_id"] for i in body["results"]}
    assert seeded.post("/patches/ask", json={"question": "   "}).status_code == 422
