"""Version of the threatvec distribution (defined next to the SDK)."""

from threatvec.sdk._version import __version__

__all__ = ["__version__"]
