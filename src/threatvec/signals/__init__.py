"""Live signals: what users should see as it happens (SSE stream, alerts)."""
