"""The project's exception tree; the server maps each to an RFC 9457 problem.

ThreatVecError
 ├── InvalidInput   422 (or 400), carries a location and a message per field
 ├── Unauthorized   401
 ├── Forbidden      403
 ├── NotFound       404
 ├── Conflict       409
 ├── PayloadTooLarge 413
 ├── RateLimited    429, carries retry_after seconds
 └── Unavailable    503
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Conflict",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "ThreatVecError",
    "Unauthorized",
    "Unavailable",
]


@dataclass(frozen=True)
class FieldError:
    """One bad field: where (a path of keys and indexes) and what is wrong."""

    loc: tuple[str | int, ...]
    msg: str

    def to_dict(self) -> dict[str, object]:
        return {"loc": list(self.loc), "msg": self.msg}


class ThreatVecError(Exception):
    status: int = 500
    title: str = "Internal error"
    type_slug: str = "internal"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


class InvalidInput(ThreatVecError):
    status = 422
    title = "Invalid input"
    type_slug = "invalid-input"

    def __init__(
        self,
        loc: Sequence[str | int] | str = (),
        msg: str = "",
        *,
        errors: Sequence[FieldError] = (),
        status: int = 422,
    ) -> None:
        loc_t = (loc,) if isinstance(loc, str) else tuple(loc)
        self.errors: list[FieldError] = list(errors)
        if msg:
            self.errors.insert(0, FieldError(loc_t, msg))
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e.loc) or 'body'}: {e.msg}" for e in self.errors
        )
        super().__init__(detail or "invalid input")
        self.status = status


class Unauthorized(ThreatVecError):
    status = 401
    title = "Unauthorized"
    type_slug = "unauthorized"


class Forbidden(ThreatVecError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class NotFound(ThreatVecError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class Conflict(ThreatVecError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class PayloadTooLarge(ThreatVecError):
    status = 413
    title = "Payload too large"
    type_slug = "payload-too-large"


class RateLimited(ThreatVecError):
    status = 429
    title = "Too many requests"
    type_slug = "rate-limited"

    def __init__(self, detail: str = "", *, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))


class Unavailable(ThreatVecError):
    status = 503
    title = "Service unavailable"
    type_slug = "unavailable"
