"""OpenTelemetry intake: OTLP/HTTP GenAI spans become agents and events."""
