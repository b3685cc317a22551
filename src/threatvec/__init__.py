"""ThreatVec: AI security posture. `from threatvec import ThreatVec` is the agent SDK.

Importing this package loads the standard library only; the server lives in
`threatvec.server` and is imported explicitly.
"""

from threatvec._version import __version__
from threatvec.sdk.client import ThreatVec

__all__ = ["ThreatVec", "__version__"]
