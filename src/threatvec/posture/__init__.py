"""Posture: explainable scores, the composite, the brief and the weight advisor."""
