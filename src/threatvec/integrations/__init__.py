"""Integrations: org-scoped connectors to identity, EDR, SIEM, CASB and email security tools."""
