"""Enforcement layers: signed decision events in, coverage of high-risk agent-tool pairs out."""
