"""Periodic jobs: a registry, a runner that records every run, and per-replica locking."""
