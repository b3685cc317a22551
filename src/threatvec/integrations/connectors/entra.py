"""Entra ID client-credentials tokens, for the connectors that call Azure APIs."""

from __future__ import annotations

from threatvec.integrations.connectors.base import SyncContext, TestContext
from threatvec.integrations.http import ConnectorError

__all__ = ["token"]


def token(ctx: TestContext | SyncContext, scope: str) -> str:
    """An access token for `scope` from the settings' tenant, client id and secret."""
    s = ctx.settings
    r = ctx.http.request(
        "POST",
        f"{s.authority_url}/{s.tenant_id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": s.client_id,
            "client_secret": s.client_secret.get_secret_value(),
            "scope": scope,
        },
    )
    if r.status_code in (400, 401, 403):
        raise ConnectorError(
            f"Entra ID refused the client credentials (HTTP {r.status_code})",
            status_code=r.status_code,
        )
    if r.status_code != 200:
        raise ConnectorError(f"token request: HTTP {r.status_code}", status_code=r.status_code)
    body = ctx.http.json(r, "token reply")
    value = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(value, str) or not value:
        raise ConnectorError("token reply has no access_token")
    return value
