"""The distribution version; it lives with the SDK, which every install has."""

__all__ = ["__version__"]

__version__ = "0.1.0"
