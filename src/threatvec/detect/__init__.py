"""Pure detectors (stdlib only): PII categories, covert instructions, injection markers."""
