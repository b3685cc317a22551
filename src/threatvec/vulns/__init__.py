"""Vulnerability exposure: CVE sources, AI relevance, tech-stack matching, priority and SLA.

The parsing, classification, matching and priority modules here need no
database; models, services and routers build on them.
"""
