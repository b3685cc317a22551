"""Demo CVEs and tech stack: a real-world sample of AI CVEs plus a few infrastructure ones.

Facts only (CVE ids, products, affected versions, CVSS v3.1 base scores,
publication dates, CISA KEV dates); descriptions are our own one-line
summaries. Records are built in the NVD API 2.0 shape and go through the
same ingest as a real sync; their ``lastModified`` is their publication date,
so a real NVD record of the same CVE always replaces the demo copy.
EPSS values are rounded approximations for illustration
(``model_version = "demo-approx"``), not FIRST's scores of any given day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.vulns.epss import EpssScore
from threatvec.vulns.exposures import refresh_exposures
from threatvec.vulns.ingest import store_epss, store_nvd_records
from threatvec.vulns.models import CveExposure
from threatvec.vulns.nvd import parse_cve
from threatvec.vulns.service import record_status_change
from threatvec.vulns.stack_service import import_stack

__all__ = ["DEMO_CVES", "DEMO_STACK_CSV", "seed"]

_V = {
    9.8: ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CRITICAL"),
    10.0: ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "CRITICAL"),
    8.8: ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "HIGH"),
    8.1: ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", "HIGH"),
    8.6: ("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", "HIGH"),
    7.8: ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "HIGH"),
    7.5: ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "HIGH"),
}


@dataclass(frozen=True)
class DemoCve:
    cve_id: str
    published: str
    score: float
    cwe: str
    summary: str
    # (vendor, product, bounds); bounds use NVD's versionStart/End keys or "version".
    cpes: tuple[tuple[str, str, dict[str, str]], ...]
    kev: tuple[str, str] | None = None  # (dateAdded, dueDate)
    epss: tuple[float, float] | None = None  # (probability, percentile), approximate
    extra: dict[str, Any] = field(default_factory=dict)


DEMO_CVES: tuple[DemoCve, ...] = (
    DemoCve(
        "CVE-2023-29374",
        "2023-04-05",
        9.8,
        "CWE-74",
        "LangChain's LLMMathChain evaluates model output as Python, so a prompt injection "
        "runs arbitrary code in versions through 0.0.131.",
        (("langchain", "langchain", {"versionEndIncluding": "0.0.131"}),),
        epss=(0.015, 0.80),
    ),
    DemoCve(
        "CVE-2023-36258",
        "2023-07-03",
        9.8,
        "CWE-94",
        "LangChain's PALChain executes generated Python, letting a prompt run arbitrary "
        "code in versions before 0.0.236.",
        (("langchain", "langchain", {"versionEndExcluding": "0.0.236"}),),
    ),
    DemoCve(
        "CVE-2025-32434",
        "2025-04-18",
        9.8,
        "CWE-502",
        "PyTorch torch.load with weights_only=True can still execute code from a crafted "
        "model file in versions through 2.5.1.",
        (("linuxfoundation", "pytorch", {"versionEndIncluding": "2.5.1"}),),
        epss=(0.02, 0.84),
    ),
    DemoCve(
        "CVE-2024-37032",
        "2024-05-31",
        8.8,
        "CWE-22",
        "Ollama before 0.1.34 does not validate model digests, allowing path traversal "
        'and file overwrite through its API ("Probllama").',
        (("ollama", "ollama", {"versionEndExcluding": "0.1.34"}),),
        epss=(0.60, 0.98),
    ),
    DemoCve(
        "CVE-2023-48022",
        "2023-11-28",
        9.8,
        "CWE-306",
        "Anyscale Ray's Jobs API accepts unauthenticated job submissions, giving remote "
        'code execution on exposed clusters ("ShadowRay"; disputed by the vendor).',
        (("anyscale", "ray", {"version": "2.6.3"}), ("anyscale", "ray", {"version": "2.8.0"})),
        epss=(0.90, 0.995),
    ),
    DemoCve(
        "CVE-2023-1177",
        "2023-03-24",
        9.8,
        "CWE-22",
        "MLflow before 2.2.1 allows local and remote file inclusion through model "
        "version source paths.",
        (("lfprojects", "mlflow", {"versionEndExcluding": "2.2.1"}),),
        epss=(0.90, 0.99),
    ),
    DemoCve(
        "CVE-2024-1561",
        "2024-04-16",
        7.5,
        "CWE-22",
        "Gradio's component_server endpoint lets a remote user read arbitrary files "
        "in versions before 4.13.0.",
        (("gradio_project", "gradio", {"versionEndExcluding": "4.13.0"}),),
        epss=(0.40, 0.97),
    ),
    DemoCve(
        "CVE-2025-3248",
        "2025-04-07",
        9.8,
        "CWE-306",
        "Langflow before 1.3.0 runs code sent to its /api/v1/validate/code endpoint "
        "without authentication.",
        (("langflow", "langflow", {"versionEndExcluding": "1.3.0"}),),
        kev=("2025-05-05", "2025-05-26"),
        epss=(0.92, 0.997),
    ),
    DemoCve(
        "CVE-2023-43654",
        "2023-09-28",
        9.8,
        "CWE-918",
        "TorchServe before 0.8.2 downloads model archives from any URL, a server-side "
        'request forgery that can lead to code execution ("ShellTorch").',
        (("pytorch", "torchserve", {"versionEndExcluding": "0.8.2"}),),
    ),
    DemoCve(
        "CVE-2024-1086",
        "2024-01-31",
        7.8,
        "CWE-416",
        "A use-after-free in the Linux kernel's netfilter nf_tables lets a local user gain root.",
        (
            (
                "linux",
                "linux_kernel",
                {"versionStartIncluding": "3.15", "versionEndExcluding": "6.1.76"},
            ),
            (
                "linux",
                "linux_kernel",
                {"versionStartIncluding": "6.2", "versionEndExcluding": "6.6.15"},
            ),
        ),
        kev=("2024-05-30", "2024-06-20"),
        epss=(0.08, 0.94),
    ),
    DemoCve(
        "CVE-2023-0386",
        "2023-03-22",
        7.8,
        "CWE-282",
        "The Linux kernel's OverlayFS copies setuid files without checking the owner "
        "mapping, letting a local user gain root.",
        (
            (
                "linux",
                "linux_kernel",
                {"versionStartIncluding": "5.11", "versionEndExcluding": "6.2"},
            ),
        ),
        kev=("2025-06-17", "2025-07-08"),
    ),
    DemoCve(
        "CVE-2024-6387",
        "2024-07-01",
        8.1,
        "CWE-362",
        "A signal-handler race in OpenSSH's sshd lets an unauthenticated remote attacker "
        'run code as root on glibc Linux ("regreSSHion").',
        (("openbsd", "openssh", {"versionStartIncluding": "8.5", "versionEndExcluding": "9.8"}),),
        epss=(0.30, 0.96),
    ),
    DemoCve(
        "CVE-2023-39417",
        "2023-08-11",
        8.8,
        "CWE-89",
        "PostgreSQL extension scripts with @extowner@ or @extschema@ quoting let a "
        "database user run SQL as the bootstrap superuser.",
        (
            (
                "postgresql",
                "postgresql",
                {"versionStartIncluding": "15.0", "versionEndExcluding": "15.4"},
            ),
        ),
    ),
    DemoCve(
        "CVE-2024-3094",
        "2024-03-29",
        10.0,
        "CWE-506",
        "Malicious code in the xz 5.6.0 and 5.6.1 release tarballs backdoors liblzma, "
        "which sshd can load through systemd.",
        (("tukaani", "xz", {"version": "5.6.0"}), ("tukaani", "xz", {"version": "5.6.1"})),
    ),
    DemoCve(
        "CVE-2024-21626",
        "2024-01-31",
        8.6,
        "CWE-403",
        "runc through 1.1.11 leaks a host file descriptor into containers, allowing "
        'container escape ("Leaky Vessels").',
        (("linuxfoundation", "runc", {"versionEndIncluding": "1.1.11"}),),
    ),
)

DEMO_STACK_CSV = (
    "technology,version,vendor,asset_count\n"
    "pytorch,2.5.1,Meta,14\n"
    "langchain,0.0.130,LangChain,6\n"
    "mlflow,2.1.1,Databricks,2\n"
    "ollama,0.1.32,Ollama,5\n"
    "ray,2.8.0,Anyscale,3\n"
    "gradio,4.12.0,Gradio,4\n"
    "langflow,1.2.0,Langflow,1\n"
    "linux,6.1.70,Linux,60\n"
    "postgresql,15.3,PostgreSQL Global Development Group,4\n"
    "openssh,9.9p1,OpenBSD,60\n"
)


def nvd_object(c: DemoCve) -> dict[str, Any]:
    """The CVE in NVD API 2.0 ``cve`` shape."""
    vector, severity = _V[c.score]
    matches = []
    for vendor, product, bounds in c.cpes:
        version = bounds.get("version", "*")
        m: dict[str, Any] = {
            "vulnerable": True,
            "criteria": f"cpe:2.3:a:{vendor}:{product}:{version}:*:*:*:*:*:*:*",
        }
        m.update({k: v for k, v in bounds.items() if k != "version"})
        matches.append(m)
    ts = f"{c.published}T00:00:00.000"
    obj: dict[str, Any] = {
        "id": c.cve_id,
        "sourceIdentifier": "demo@threatvec.dev",
        "published": ts,
        "lastModified": ts,
        "vulnStatus": "Analyzed",
        "descriptions": [{"lang": "en", "value": c.summary}],
        "metrics": {
            "cvssMetricV31": [
                {
                    "source": "nvd@nist.gov",
                    "type": "Primary",
                    "cvssData": {
                        "version": "3.1",
                        "vectorString": vector,
                        "baseScore": c.score,
                        "baseSeverity": severity,
                    },
                }
            ]
        },
        "weaknesses": [
            {
                "source": "nvd@nist.gov",
                "type": "Primary",
                "description": [{"lang": "en", "value": c.cwe}],
            }
        ],
        "configurations": [{"nodes": [{"operator": "OR", "negate": False, "cpeMatch": matches}]}],
        "references": [
            {"url": f"https://nvd.nist.gov/vuln/detail/{c.cve_id}", "source": "demo@threatvec.dev"}
        ],
    }
    if c.kev is not None:
        obj["cisaExploitAdd"], obj["cisaActionDue"] = c.kev
        obj["cisaRequiredAction"] = "Apply mitigations per vendor instructions or discontinue use."
    return obj


def seed(*, session: Session, org_id: str) -> None:
    records = [parse_cve(nvd_object(c)) for c in DEMO_CVES]
    store_nvd_records(session, records, org_ids=[org_id])
    store_epss(
        session,
        [
            EpssScore(c.cve_id, c.epss[0], c.epss[1], "demo-approx", None)
            for c in DEMO_CVES
            if c.epss
        ],
        org_ids=[org_id],
    )
    ids = [c.cve_id for c in DEMO_CVES]
    # The facts may already be stored (another org's demo): score them for this org.
    refresh_exposures(session=session, org_id=org_id, cve_ids=ids, publish_signals=False)
    import_stack(session=session, org_id=org_id, data=DEMO_STACK_CSV.encode(), fmt="csv")
    # The demo org has tracked these for three weeks: critical ones are overdue.
    now = utcnow()
    rows = {
        x.cve_id: x
        for x in session.scalars(
            select(CveExposure).where(CveExposure.org_id == org_id, CveExposure.cve_id.in_(ids))
        )
    }
    for x in rows.values():
        x.affected_since = x.first_seen_at = now - timedelta(days=21)
    _set(session, rows.get("CVE-2024-37032"), "investigating", "alice@example.com", None, None)
    _set(session, rows.get("CVE-2023-39417"), "fixed", "bob@example.com", None, None)
    _set(
        session,
        rows.get("CVE-2023-48022"),
        "wont_fix",
        "alice@example.com",
        "Ray dashboards are bound to localhost behind the VPN; the Jobs API is not reachable.",
        (now + timedelta(days=60)).date(),
    )
    session.flush()
    refresh_exposures(session=session, org_id=org_id, cve_ids=ids, publish_signals=False)


def _set(
    session: Session, x: CveExposure | None, to: str, by: str, why: str | None, until: date | None
) -> None:
    if x is not None:
        record_status_change(session, x, to, by=by, justification=why, expires=until)
