"""Telemetry ingest: the SDK batch endpoint, validated per event, idempotent by event id."""
