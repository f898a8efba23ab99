"""Bounds on one paged listing: a page cap, and ``next`` links that must neither repeat nor leave the base URL's
origin.

Why: the client asks for pages by number, so a server that always answers with a ``next`` link would be asked
forever (one made 1,585 requests in 90 s). A link that repeats an earlier one, or points at another host, shows
that the answers are not Codat's paging; the client never follows the link itself, only its page number.
"""

from __future__ import annotations

import httpx

from codat_settings import shown_url

from ._errors import PagingError, compose


class Listing:
    """The pages of one listing seen so far."""

    def __init__(self, base_url: str, path: str, max_pages: int) -> None:
        self._base = httpx.URL(base_url.rstrip("/") + "/")
        self._path = path
        self._max_pages = max_pages
        self._next_links: dict[str, int] = {}  # href -> the page that gave it

    def before(self, page_number: int) -> None:
        """Raise ``PagingError`` when asking for page ``page_number`` would pass the cap."""
        if page_number > self._max_pages:
            self._refuse(
                f"still had a next page after {self._max_pages} pages, the client's cap on one listing "
                "(Bounds.max_pages)"
            )

    def after(self, page_number: int, next_href: str | None) -> None:
        """Raise ``PagingError`` when page ``page_number``'s ``next`` link repeats one or leaves the origin."""
        if next_href is None:
            return
        earlier = self._next_links.get(next_href)
        if earlier is not None:
            self._refuse(f"page {page_number}'s next link repeats page {earlier}'s, so the listing would never end")
        self._next_links[next_href] = page_number
        try:
            target = self._base.join(next_href)
        except httpx.InvalidURL:
            self._refuse(f"page {page_number}'s next link is not a URL")
        if (target.scheme, target.host, target.port) != (self._base.scheme, self._base.host, self._base.port):
            self._refuse(
                f"page {page_number}'s next link leads to {shown_url(str(target))}, away from the base URL "
                f"{shown_url(str(self._base))}"
            )

    def _refuse(self, what: str) -> None:
        message = compose("GET", self._path, f"gave up listing: Codat's answer {what}", PagingError.next_step)
        raise PagingError(message, method="GET", path=self._path)
