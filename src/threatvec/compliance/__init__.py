"""Compliance evidence: six governance frameworks evaluated from the org's live data."""
