"""Reading a request body within limits: compressed size while streaming, inflated size while
inflating (a gzip bomb stops at the limit, not after it has filled memory)."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Mapping

from threatvec.core.errors import InvalidInput, PayloadTooLarge, ThreatVecError

__all__ = ["UnsupportedEncoding", "check_declared_length", "inflate", "read_limited"]

_CHUNK = 64 * 1024


class UnsupportedEncoding(ThreatVecError):
    status = 415
    title = "Unsupported media type"
    type_slug = "unsupported-media-type"


def check_declared_length(headers: Mapping[str, str], max_bytes: int) -> None:
    """413 before reading anything when ``Content-Length`` already says the body is too large."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes")


async def read_limited(stream: AsyncIterator[bytes], max_bytes: int) -> bytes:
    """The whole body, or 413 as soon as it grows past ``max_bytes``."""
    body = bytearray()
    async for chunk in stream:
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes")
    return bytes(body)


def inflate(body: bytes, encoding: str | None, max_bytes: int) -> bytes:
    """Decode ``Content-Encoding`` (identity, gzip, deflate) with an inflated-size limit."""
    enc = (encoding or "identity").strip().lower()
    if enc in ("", "identity"):
        return body
    if enc in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif enc == "deflate":
        wbits = zlib.MAX_WBITS
    else:
        raise UnsupportedEncoding(f"Content-Encoding {enc[:40]!r} is not supported; use gzip")
    d = zlib.decompressobj(wbits)
    out = bytearray()
    data = body
    try:
        while data:
            out += d.decompress(data, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise PayloadTooLarge(f"decompressed body is larger than {max_bytes} bytes")
            data = d.unconsumed_tail
        out += d.flush()
    except zlib.error:
        raise InvalidInput(("body",), "body is not valid gzip data", status=400) from None
    if len(out) > max_bytes:
        raise PayloadTooLarge(f"decompressed body is larger than {max_bytes} bytes")
    if not d.eof:
        raise InvalidInput(("body",), "gzip data is truncated", status=400)
    return bytes(out)
