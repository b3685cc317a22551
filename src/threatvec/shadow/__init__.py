"""Shadow AI discovery: which AI services people use, registered or not, and where PII goes.

Events come from the browser extension (``POST /api/v1/shadow/events``) and from
Microsoft 365 Copilot audit records (``m365``); ``service`` keeps per-service
counters, ``risk`` gives each service its verdict, ``posture`` feeds the
Shadow AI dimension.
"""
