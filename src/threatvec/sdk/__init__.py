"""The ThreatVec SDK (standard library only). See docs/sdk.md."""

from threatvec.sdk.client import ThreatVec

__all__ = ["ThreatVec"]
