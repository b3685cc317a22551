"""The assets registry: agents, MCP servers and AI services an org knows about."""
