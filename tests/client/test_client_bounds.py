"""Bounds whatever the server answers, over MockTransport with the fake clock: the call's deadline covers the
body too, answers are capped on the wire and once decoded, listings are capped and their next links checked,
and a write succeeds only on the answer Codat's contract promises."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator

import httpx
import pytest

from codat_client import (
    Bounds,
    CustomDataTypeConfiguration,
    DeadlineExceededError,
    PagingError,
    Profile,
    ResponseTooLargeError,
    RetryPolicy,
    SupplementalDataSource,
    SyncSettings,
    UnexpectedResponseError,
    WriteNotAcknowledgedError,
)

XERO = {"key": "gbol", "name": "Xero", "enabled": True}
MIB = 1024 * 1024


class Body(httpx.SyncByteStream):
    """A streamed body (not read in advance, as MockTransport's `content=` bodies are), chunk by chunk;
    `between` runs before each chunk, e.g. to let the fake clock move; `sent` counts the chunks given."""

    def __init__(self, chunks: list[bytes], between: Callable[[], None] = lambda: None) -> None:
        self.chunks = chunks
        self.between = between
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.between()
            self.sent += 1
            yield chunk


def streamed(body: Body, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, stream=body, headers={"Content-Type": "application/json", **headers})


# ------------------------------------------------------------------------------- the deadline covers the body


def trickle(h, seconds: float) -> Body:
    """A body that never completes: one byte per chunk, `seconds` of fake time before each."""
    def wait() -> None:
        h.time.now += seconds

    return Body([b"{"] + [b" "] * 1000, between=wait)


def test_a_trickling_body_ends_at_the_calls_deadline(harness):
    h = harness(retry=RetryPolicy(deadline=60.0))
    body = trickle(h, 5.0)
    h.script.replies.append(streamed(body))
    start = h.time.now
    with pytest.raises(DeadlineExceededError) as caught:
        h.client.get_integration("gbol")
    assert h.time.now - start <= 60.0 + 5.0  # one more byte's wait at most, not 1000 x 5 s
    assert body.sent == 12 and len(h.script.requests) == 1  # not retried: the deadline is spent
    assert str(caught.value).startswith(
        "GET /integrations/gbol: no complete answer within the call's 60 s deadline (RetryPolicy.deadline, which "
        "covers the answer's headers and body and every retry): Codat answered 200 OK and 12 bytes of its body "
        "had arrived.")
    assert caught.value.status_code == 200


def test_a_write_whose_body_trickles_past_the_deadline_is_not_acknowledged(harness):
    h = harness(retry=RetryPolicy(deadline=30.0))
    h.script.replies.append(streamed(trickle(h, 5.0)))
    with pytest.raises(WriteNotAcknowledgedError) as caught:
        h.client.set_enabled("gbol", True)
    text = str(caught.value)
    assert text.startswith("PUT /integrations/gbol/enabled: Codat did not confirm the write: it answered 200 OK and "
                           "6 bytes of its body had arrived when the call's 30 s deadline")
    assert "It may or may not have been applied. Next: the next plan (or refresh) reads what Codat holds" in text


# ------------------------------------------------------------------------------- size caps


def test_an_answer_past_the_wire_cap_is_refused_before_it_is_all_read(harness):
    body = Body([b"[" + b" " * 1023] * 100)
    h = harness(streamed(body), bounds=Bounds(max_answer_bytes=10_000))
    with pytest.raises(ResponseTooLargeError) as caught:
        h.client.get_integration("gbol")
    assert body.sent == 10  # stopped at the first chunk past 10,000 bytes
    assert ("GET /integrations/gbol: Codat answered 200 OK, but the answer was larger than the client's 10,000 bytes "
            "cap on the wire (Bounds.max_answer_bytes)") in str(caught.value)
    assert "raise the caps (codat_client.Bounds)" in str(caught.value)


def test_an_announced_length_past_the_cap_is_refused_unread(harness):
    body = Body([b"{}"])
    h = harness(streamed(body, **{"Content-Length": str(64 * MIB)}))
    with pytest.raises(ResponseTooLargeError, match=r"announced 64 MiB \(Content-Length\), over the client's 32 MiB"):
        h.client.get_integration("gbol")
    assert body.sent == 0


def gzip_bomb_chunks(decoded: int, chunk: int = 16 * 1024) -> list[bytes]:
    packed = gzip.compress(bytes(decoded), compresslevel=9)
    return [packed[i:i + chunk] for i in range(0, len(packed), chunk)]


def test_a_gzip_bomb_is_refused_at_the_decoded_cap_holding_no_more(harness):
    chunks = gzip_bomb_chunks(64 * MIB)
    body = Body(chunks)
    h = harness(streamed(body, **{"Content-Encoding": "gzip"}), bounds=Bounds(max_decoded_bytes=MIB))
    with pytest.raises(ResponseTooLargeError) as caught:
        h.client.get_integration("gbol")
    says = "the answer was larger than the client's 1 MiB cap once decoded (Bounds.max_decoded_bytes)"
    assert says in str(caught.value)
    assert body.sent == 1 < len(chunks)  # the first 16 KiB already inflate past 1 MiB


@pytest.mark.parametrize("encoding, pack", [
    ("gzip", lambda data: gzip.compress(data)),
    ("deflate", lambda data: zlib.compress(data)),  # zlib-wrapped, as the RFC says
    ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw, as some servers send
])
def test_compressed_answers_within_the_caps_read_as_usual(harness, encoding, pack):
    packed = pack(json.dumps(XERO).encode())
    h = harness(streamed(Body([packed[:5], packed[5:]]), **{"Content-Encoding": encoding}))
    assert h.client.get_integration("gbol").name == "Xero"
    assert h.script.requests[0].headers["Accept-Encoding"] == "gzip, deflate"


@pytest.mark.parametrize("encoding, says", [
    ("br", "the answer is encoded as 'br'; the client asks for gzip, deflate only"),
    ("gzip", "the answer's compressed body is corrupt"),
])
def test_an_answer_the_client_cannot_decode_is_refused(harness, encoding, says):
    h = harness(streamed(Body([b"not what it says it is"]), **{"Content-Encoding": encoding}))
    with pytest.raises(UnexpectedResponseError, match=says) as caught:
        h.client.get_integration("gbol")
    assert not isinstance(caught.value, ResponseTooLargeError)
    assert len(h.script.requests) == 1


# ------------------------------------------------------------------------------- listings


def page(number: int, next_href: str | None) -> httpx.Response:
    links: dict = {"self": {"href": "/integrations"}}
    if next_href is not None:
        links["next"] = {"href": next_href}
    return httpx.Response(200, json={"results": [XERO], "pageNumber": number, "pageSize": 1, "_links": links})


def test_an_endless_next_stops_at_the_page_cap(harness):
    h = harness(*[page(n, f"/integrations?page={n + 1}&pageSize=1") for n in range(1, 6)], bounds=Bounds(max_pages=5))
    got = []
    with pytest.raises(PagingError) as caught:
        for integration in h.client.list_integrations(page_size=1):
            got.append(integration)
    assert len(got) == 5 and len(h.script.requests) == 5
    assert str(caught.value).startswith(
        "GET /integrations: gave up listing: Codat's answer still had a next page after 5 pages, the client's cap on "
        "one listing (Bounds.max_pages). Next: ")
    assert "list with a larger page_size (up to 5000)" in str(caught.value)


def test_a_next_link_that_repeats_ends_the_listing(harness):
    h = harness(page(1, "/integrations?page=2&pageSize=1"), page(2, "/integrations?page=2&pageSize=1"))
    with pytest.raises(PagingError, match="page 2's next link repeats page 1's, so the listing would never end"):
        list(h.client.list_integrations(page_size=1))
    assert len(h.script.requests) == 2


@pytest.mark.parametrize("href", ["https://elsewhere.example/integrations?page=2", "http://api.codat.io/integrations",
                                  "https://api.codat.io:8443/integrations", "//evil.example/integrations"])
def test_a_next_link_to_another_origin_ends_the_listing(harness, href):
    h = harness(page(1, href))
    with pytest.raises(PagingError, match=r"page 1's next link leads to .*, away from the base URL https://api.codat"):
        list(h.client.list_integrations(page_size=1))
    assert len(h.script.requests) == 1


def test_next_links_on_the_base_urls_origin_are_followed(harness):
    h = harness(page(1, "https://API.codat.io/integrations?page=2&pageSize=1"),
                page(2, "/integrations?page=3&pageSize=1"), page(3, None))
    assert len(list(h.client.list_integrations(page_size=1))) == 3
    assert [r.url.params["page"] for r in h.script.requests] == ["1", "2", "3"]


# ------------------------------------------------------------------------------- writes must be acknowledged

Reply = Callable[[], httpx.Response]  # a fresh answer per test: an httpx.Response belongs to one exchange


def HTML() -> httpx.Response:
    return httpx.Response(200, text="<html><body>Please sign in</body></html>", headers={"Content-Type": "text/html"})


def EMPTY() -> httpx.Response:
    return httpx.Response(200)


def answer(status: int, **content: object) -> Reply:
    return lambda: httpx.Response(status, **content)

SYNC = SyncSettings(client_id="c1", settings=[], overrides_defaults=False)
CUSTOM = CustomDataTypeConfiguration(data_source="/po", key_by=["$.Id"])
PROFILE = Profile(name="Acme", redirect_url="https://acme.example/done")
SOURCES = {"extras": SupplementalDataSource(data_source="/Invoices")}

WRITES: dict[str, Callable] = {
    "put_credentials": lambda c: c.put_credentials("gbol", {"clientId": "id-0001", "clientSecret": "secret-0001"}),
    "delete_credentials": lambda c: c.delete_credentials("gbol"),
    "set_enabled": lambda c: c.set_enabled("gbol", True),
    "put_profile": lambda c: c.put_profile(PROFILE),
    "set_sync_settings": lambda c: c.set_sync_settings(SYNC),
    "set_cors_origins": lambda c: c.set_cors_origins(["https://a.example"]),
    "put_supplemental_data": lambda c: c.put_supplemental_data("gbol", "invoices", SOURCES),
    "put_custom_data_type": lambda c: c.put_custom_data_type("gbol", "po", CUSTOM),
    "create_webhook": lambda c: c.create_webhook("https://hooks.example/codat"),
    "delete_webhook": lambda c: c.delete_webhook("w1"),
}
# A wrong answer per write: each one's own documented status with the wrong body, or the wrong status.
UNACKNOWLEDGED = [
    *[(name, HTML, "with 40 bytes of text/html that are not JSON") for name in WRITES if name not in (
        "set_sync_settings", "delete_webhook", "create_webhook")],
    ("put_credentials", EMPTY, "with an empty body where Codat's contract promises 200 with the stored credentials"),
    ("put_credentials", answer(200, text="null"), "its body does not read as a map of strings"),
    ("delete_credentials", answer(200, json=["a"]), "its body does not read as a map of strings"),
    ("set_enabled", answer(200, json={"ok": True}), "its body does not read as Integration"),
    ("put_profile", EMPTY, "an empty body where Codat's contract promises 200 with the saved profile as JSON"),
    ("set_cors_origins", answer(200, json={"allowedOrigins": "*"}), "does not read as AllowedOrigins"),
    ("put_custom_data_type", answer(202, json={}), "it answered 202 Accepted where Codat's contract promises 200"),
    ("create_webhook", HTML, "it answered 200 OK where Codat's contract promises 201 with the created webhook"),
    ("create_webhook", answer(201), "with an empty body where Codat's contract promises 201"),
    ("set_sync_settings", HTML, "it answered 200 OK where Codat's contract promises 204"),
    ("delete_webhook", answer(200, json={}), "it answered 200 OK where Codat's contract promises 204"),
]


@pytest.mark.parametrize("name, reply, says", UNACKNOWLEDGED,
                         ids=[f"{n}-{i}" for i, (n, *_) in enumerate(UNACKNOWLEDGED)])
def test_a_write_succeeds_only_on_the_answer_its_contract_promises(harness, name, reply, says):
    given = reply()
    h = harness(given)
    with pytest.raises(WriteNotAcknowledgedError) as caught:
        WRITES[name](h.client)
    text = str(caught.value)
    assert ": Codat did not confirm the write: " in text and says in text, text
    assert "It may or may not have been applied. Next: the next plan (or refresh) reads what Codat holds" in text
    assert isinstance(caught.value, UnexpectedResponseError) and caught.value.status_code == given.status_code
    assert len(h.script.requests) == 1  # never retried: the same answer would come back


def test_a_no_body_write_takes_an_empty_or_json_answer(harness):
    h = harness(httpx.Response(200), httpx.Response(200, json={}), httpx.Response(204))
    h.client.put_supplemental_data("gbol", "invoices", SOURCES)
    h.client.put_supplemental_data("gbol", "invoices", SOURCES)
    h.client.set_sync_settings(SYNC)
    assert len(h.script.requests) == 3


def test_a_write_refused_on_size_is_not_acknowledged(harness):
    h = harness(streamed(Body(gzip_bomb_chunks(8 * MIB)), **{"Content-Encoding": "gzip"}),
                bounds=Bounds(max_decoded_bytes=MIB))
    with pytest.raises(WriteNotAcknowledgedError, match="it answered 200 OK, but the answer was larger than the "
                                                        "client's 1 MiB cap once decoded"):
        h.client.put_custom_data_type("gbol", "po", CUSTOM)


def test_a_read_of_the_wrong_shape_stays_an_unexpected_answer(harness):
    h = harness(HTML())
    with pytest.raises(UnexpectedResponseError) as caught:
        h.client.get_integration("gbol")
    assert not isinstance(caught.value, WriteNotAcknowledgedError)
