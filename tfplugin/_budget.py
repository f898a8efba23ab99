"""How many decoded elements the requests in progress may hold together, in the whole process.

Why: one byte on the wire can become 60-140 bytes of Python objects (an empty msgpack map is one byte; the
dict made of it, 64 bytes plus a pointer), and requests run concurrently. A cap per request alone would let
a client multiply it by the number of requests it keeps in progress, so the cap is one pool shared by all of
them. ``_pb`` takes one element per repeated or map field entry; ``values`` one per element of a list, set,
tuple, map or object, once when reading the wire format and once when converting to the attribute's type.

The server runs each request inside ``with Allowance(pooled=True):``; what the request took goes back to the
pool when it ends. A decode outside a request (a test, a tool) gets an allowance of LIMIT of its own.
"""
from __future__ import annotations

import threading

LIMIT = 1_000_000  # elements: at most ~140 MB of Python objects at the worst cost measured (docs/tfplugin.md)
_CHUNK = 256  # taken from the pool at a time: a decode takes the pool's lock once per 256 elements


class Exhausted(ValueError):
    """Decoding would hold more elements than allowed."""


_pool_lock = threading.Lock()
_pool_free = LIMIT
_current = threading.local()


class Allowance:
    """What one request (``pooled``: drawn from the process's pool) or one lone decode may still take."""

    __slots__ = ("left", "taken", "pooled")

    def __init__(self, pooled: bool) -> None:
        self.pooled = pooled
        self.left = 0 if pooled else LIMIT
        self.taken = 0  # from the pool; given back when the request ends

    def take(self, n: int) -> None:
        """Count ``n`` more elements before they are built; Exhausted when they are not allowed."""
        self.left -= n
        if self.left < 0:
            self._refill()

    def _refill(self) -> None:
        global _pool_free
        need = -self.left
        if self.pooled:
            with _pool_lock:
                if need <= _pool_free:
                    got = min(max(need, _CHUNK), _pool_free)
                    _pool_free -= got
                    self.taken += got
                    self.left += got
                    return
            raise Exhausted(f"decoding needs more elements than are left: the requests in progress may hold "
                            f"{LIMIT} decoded elements (entries of repeated fields, lists, sets, tuples, maps and "
                            f"objects) together, and this one asks for {self.taken + need}. Send smaller values, or "
                            "fewer requests at once (terraform -parallelism)")
        raise Exhausted(f"decoding needs more than {LIMIT} elements (entries of repeated fields, lists, sets, tuples, "
                        "maps and objects, counted when read and again when converted), more than this provider "
                        "decodes")

    def __enter__(self) -> Allowance:
        _current.allowance = self
        return self

    def __exit__(self, *exc: object) -> None:
        global _pool_free
        _current.allowance = None
        if self.taken:
            with _pool_lock:
                _pool_free += self.taken
            self.taken = 0


def allowance() -> Allowance:
    """The running request's allowance; outside a request, a fresh one of LIMIT elements."""
    current = getattr(_current, "allowance", None)
    return current if current is not None else Allowance(pooled=False)
