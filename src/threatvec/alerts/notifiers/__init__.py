"""Notifiers: one module per channel kind, each turning alerts into that service's wire format.

Exceptions: every notifier raises ``DeliveryError`` (with ``retryable`` and an
error text that never contains the channel's secret) and nothing else.
"""
