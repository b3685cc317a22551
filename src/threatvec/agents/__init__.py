"""Agents: the fleet, their rules, trust, drift and lethal-trifecta risk."""
