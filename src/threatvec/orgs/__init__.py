"""Organisations (tenants), their keys and their settings."""
