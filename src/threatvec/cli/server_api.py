"""Commands that talk to a running ThreatVec server: where it is, the org key, one-line errors.

The server is ``--url`` or ``THREATVEC_URL`` (default http://127.0.0.1:8000,
where ``threatvec serve`` listens), the key ``--org-key`` or
``THREATVEC_ORG_KEY`` — the SDK's variables. Every failure is a
``ServerError`` whose message is the one line the user reads: the server is
down, the key was refused, or the server's own problem detail (escaped:
it may quote what a client sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from threatvec.detect.normalize import visible_snippet

__all__ = ["DEFAULT_URL", "ServerApi", "ServerError"]

DEFAULT_URL = "http://127.0.0.1:8000"
_KEY_HELP = "THREATVEC_ORG_KEY or --org-key"


class ServerError(Exception):
    """A request the server did not answer with success; ``str()`` is the line to print."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class ServerApi:
    """The ThreatVec REST API (/api/v1) of one server, as one organisation."""

    url: str
    org_key: str | None = None
    timeout: float = 30.0
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.url = (self.url or DEFAULT_URL).rstrip("/")
        if not self.url.startswith(("http://", "https://")):
            raise ServerError(f"--url must be an http(s) URL, not {visible_snippet(self.url)!r}")

    def get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: Any = None) -> Any:
        return self._call("POST", path, json=body)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._client is None:
            headers = {"X-Org-Key": self.org_key} if self.org_key else {}
            self._client = httpx.Client(
                base_url=self.url + "/api/v1", headers=headers, timeout=self.timeout
            )
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise ServerError(
                f"the ThreatVec server at {self.url} did not answer within {self.timeout:g} s"
            ) from exc
        except httpx.TransportError as exc:
            raise ServerError(
                f"could not reach the ThreatVec server at {self.url} ({type(exc).__name__}): "
                "start it with `threatvec serve`, or point --url / THREATVEC_URL at it"
            ) from exc
        if response.status_code >= 300:
            raise ServerError(self._refusal(response), status=response.status_code)
        try:
            return response.json()
        except ValueError as exc:
            raise ServerError(
                f"{self.url} did not answer as a ThreatVec server (no JSON from {method} {path})"
            ) from exc

    def _refusal(self, response: httpx.Response) -> str:
        status = response.status_code
        if status == 401:
            if not self.org_key:
                return f"the server needs an organisation key: set {_KEY_HELP}"
            # Never echo the key: it is a credential, and the terminal may be recorded.
            return f"the server refused the organisation key ({_KEY_HELP})"
        try:
            detail = response.json().get("detail")
        except (ValueError, AttributeError):
            detail = None
        if status >= 500 or not isinstance(detail, str):
            return f"the server answered HTTP {status} to {response.request.method} " + (
                response.request.url.path
            )
        return visible_snippet(detail, limit=500)
