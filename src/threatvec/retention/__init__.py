"""Retention of raw events: rows older than THREATVEC_EVENTS_KEEP_DAYS are deleted."""
