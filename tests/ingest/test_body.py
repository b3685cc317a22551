"""Body limits: streamed size and inflated size (gzip bombs stop at the limit)."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import pytest

from threatvec.core.errors import InvalidInput, PayloadTooLarge
from threatvec.ingest.body import UnsupportedEncoding, inflate, read_limited


async def _chunks(*parts: bytes):
    for p in parts:
        yield p


def test_read_limited_stops_past_the_limit() -> None:
    assert asyncio.run(read_limited(_chunks(b"ab", b"cd"), 4)) == b"abcd"
    with pytest.raises(PayloadTooLarge):
        asyncio.run(read_limited(_chunks(b"ab", b"cde"), 4))


def test_inflate_gzip_deflate_and_identity() -> None:
    data = b'{"x": 1}' * 100
    assert inflate(gzip.compress(data), "gzip", 10_000) == data
    assert inflate(zlib.compress(data), "deflate", 10_000) == data
    assert inflate(data, None, 10) == data, "identity bodies are limited while reading"


def test_inflate_refuses_bombs_garbage_and_unknown_encodings() -> None:
    with pytest.raises(PayloadTooLarge):
        inflate(gzip.compress(b"\0" * 10_000_000), "gzip", 1_000_000)
    with pytest.raises(InvalidInput):
        inflate(b"garbage", "gzip", 1000)
    with pytest.raises(InvalidInput):
        inflate(gzip.compress(b"x" * 1000)[:20], "gzip", 10_000)
    with pytest.raises(UnsupportedEncoding):
        inflate(b"x", "br", 1000)
