"""The RFC 9457 problem document every 4xx/5xx uses, for OpenAPI and handlers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Problem", "ProblemFieldError", "problem_responses"]


class ProblemFieldError(BaseModel):
    loc: list[str | int] = Field(description="Path to the bad value, e.g. ['body', 'name']")
    msg: str


class Problem(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "https://threatvec.dev/problems/invalid-input",
                    "title": "Invalid input",
                    "status": 422,
                    "detail": "body.name: name must not be blank",
                    "errors": [{"loc": ["body", "name"], "msg": "name must not be blank"}],
                }
            ]
        }
    )

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemFieldError] | None = None


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing or wrong X-Org-Key",
    403: "Forbidden",
    404: "Not found (or not visible to this org)",
    409: "Conflict",
    413: "Payload too large",
    422: "Validation failed; `errors` lists each bad field",
    429: "Rate limited; see Retry-After",
    503: "Service unavailable",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(code, "Error"),
            "content": {"application/problem+json": {}},
        }
        for code in codes
    }
