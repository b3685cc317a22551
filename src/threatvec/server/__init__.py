"""The ThreatVec server: app factory, auth, dashboard, scheduler."""
