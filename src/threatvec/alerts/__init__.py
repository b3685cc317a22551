"""Alert rules over published signals, and their notifications.

Channels: Slack, PagerDuty, a signed SOAR webhook and an email digest.
"""
