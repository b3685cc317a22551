"""One module per vendor; ``CONNECTORS`` maps an integration kind to its module."""

from __future__ import annotations

from threatvec.integrations.connectors import (
    crowdstrike,
    m365,
    netskope,
    okta,
    proofpoint,
    sentinel,
    splunk,
    zscaler,
)
from threatvec.integrations.connectors.base import Connector

__all__ = ["CONNECTORS"]

CONNECTORS: dict[str, Connector] = {
    "okta": okta,  # type: ignore[dict-item]
    "crowdstrike": crowdstrike,  # type: ignore[dict-item]
    "splunk": splunk,  # type: ignore[dict-item]
    "sentinel": sentinel,  # type: ignore[dict-item]
    "m365": m365,  # type: ignore[dict-item]
    "netskope": netskope,  # type: ignore[dict-item]
    "zscaler": zscaler,  # type: ignore[dict-item]
    "proofpoint": proofpoint,  # type: ignore[dict-item]
}
