"""Pure detectors (standard library only): PII categories, covert instructions, injection markers."""
