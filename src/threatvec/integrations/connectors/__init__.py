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
    "okta": okta,
    "crowdstrike": crowdstrike,
    "splunk": splunk,
    "sentinel": sentinel,
    "m365": m365,
    "netskope": netskope,
    "zscaler": zscaler,
    "proofpoint": proofpoint,
}
