"""Reading an answer's body within ``Bounds``: streamed, counted on the wire and once decoded, refused past a cap
before it is all held.

Why not httpx's own decoding: it inflates each chunk whole, so one 64 KiB chunk of a gzip bomb becomes 64 MiB
at once, and with brotli or zstandard installed it decodes codings whose expansion is larger still. Here gzip and
deflate (all the client asks for) are inflated with an output limit, and any other coding is refused.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Protocol

import httpx

from ._bounds import Bounds, MiB

#: What the client sends as Accept-Encoding: the codings ``read_body`` decodes.
ACCEPT_ENCODING = "gzip, deflate"
_DROPPED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class Unreadable(Exception):
    """The body cannot be taken: too large, or in a coding the client cannot decode (``reason`` says which)."""

    def __init__(self, reason: str, *, too_large: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


def read_body(response: httpx.Response, bounds: Bounds, check: Callable[[], None]) -> bytes:
    """The decoded body of a streamed ``response``; ``check`` runs between chunks (stop, deadline)."""
    if response.is_stream_consumed:
        # Built in memory by the transport (httpx.MockTransport, replayed cassettes): already decoded.
        body = response.content
        if len(body) > bounds.max_decoded_bytes:
            raise Unreadable(_over("once decoded", bounds.max_decoded_bytes), too_large=True)
        return body
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > bounds.max_answer_bytes:
        raise Unreadable(
            f"the answer announced {_size(int(declared))} (Content-Length), over the client's "
            f"{_size(bounds.max_answer_bytes)} cap on an answer (Bounds.max_answer_bytes)",
            too_large=True,
        )
    decoder = _decoder_for(response.headers.get("content-encoding", ""))
    parts: list[bytes] = []
    size = 0
    for raw in response.iter_raw():
        check()
        if response.num_bytes_downloaded > bounds.max_answer_bytes:
            raise Unreadable(_over("on the wire", bounds.max_answer_bytes, "max_answer_bytes"), too_large=True)
        decoded = decoder.feed(raw, bounds.max_decoded_bytes - size)
        size += len(decoded)
        if size > bounds.max_decoded_bytes:
            raise Unreadable(_over("once decoded", bounds.max_decoded_bytes), too_large=True)
        parts.append(decoded)
    check()
    return b"".join(parts)


def with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """A complete copy of a streamed ``response`` holding ``body`` (decoded, so no Content-Encoding)."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROPPED_HEADERS]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        # The status line's wording, not the connection: a kept answer (cache_reads) must not pin a socket.
        extensions={k: v for k, v in response.extensions.items() if k in ("http_version", "reason_phrase")},
    )


def _over(where: str, cap: int, field: str = "max_decoded_bytes") -> str:
    return f"the answer was larger than the client's {_size(cap)} cap {where} (Bounds.{field})"


def _size(count: int) -> str:
    return f"{count / MiB:g} MiB" if count >= MiB else f"{count:,} bytes"


class _Decoder(Protocol):
    def feed(self, data: bytes, room: int) -> bytes:
        """The bytes ``data`` decodes to, or more than ``room`` of them when they would not fit."""
        ...


class _Identity:
    def feed(self, data: bytes, room: int) -> bytes:
        return data


class _Inflate:
    """zlib with an output limit: past ``room`` it stops and returns ``room + 1`` bytes, holding no more."""

    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._inflater = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback  # "deflate" is zlib-wrapped by the RFC, raw by some servers

    def feed(self, data: bytes, room: int) -> bytes:
        if self._inflater.eof:
            return b""  # bytes after the end of the stream mean nothing; they still count on the wire
        try:
            return self._inflater.decompress(data, room + 1)
        except zlib.error as exc:
            if self._raw_fallback:
                self._raw_fallback = False
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data, room)
            raise Unreadable(f"the answer's compressed body is corrupt ({exc})", too_large=False) from None
        finally:
            self._raw_fallback = False


def _decoder_for(content_encoding: str) -> _Decoder:
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip().lower() not in ("", "identity")]
    if not codings:
        return _Identity()
    if codings == ["gzip"] or codings == ["x-gzip"]:
        return _Inflate(zlib.MAX_WBITS | 16)
    if codings == ["deflate"]:
        return _Inflate(zlib.MAX_WBITS, raw_fallback=True)
    shown = ", ".join(codings)[:60]
    raise Unreadable(
        f"the answer is encoded as {shown!r}; the client asks for {ACCEPT_ENCODING} only and decodes nothing else",
        too_large=False,
    )
