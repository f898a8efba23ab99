"""Codat's paged list reply: filter (`query`), sort (`orderBy`), then cut one page with HAL links.

`page` counts from 1 and `pageSize` defaults to 100 with a maximum of 5000 (the parameter's spec);
anything else is a 400 naming the parameter. Links are relative (`uri-reference` in the spec):
`self` is the bare path, `current`/`next`/`previous` repeat the page, size, query and ordering.
"""

from __future__ import annotations

from urllib.parse import quote

from .errors import ApiError, issue, validation_error
from .query import QueryError, compile_query, order

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 5000


def _int_param(params: dict[str, str], name: str, default: int, maximum: int | None) -> int:
    raw = params.get(name.lower())
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or (maximum is not None and value > maximum):
        limit = f"between 1 and {maximum}" if maximum else "1 or more"
        raise validation_error([issue(name, f"The value '{raw}' is not valid for {name}: it must be a whole "
                                            f"number {limit}.", "Range")])
    return value


def list_reply(items: list[dict], params: dict[str, str], path: str, fields: list[str], type_name: str) -> dict:
    """`params` has lower-cased names (ASP.NET binds query parameters case-insensitively)."""
    page = _int_param(params, "page", 1, None)
    size = _int_param(params, "pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    query = params.get("query") or ""
    order_by = params.get("orderby") or ""
    if query:
        try:
            predicate = compile_query(query, fields, type_name)
            items = [i for i in items if predicate(i)]  # a value of the wrong type only shows here
        except QueryError as e:
            raise ApiError(400, f"Error parsing query - {e}") from None
    if order_by:
        try:
            items = order(items, order_by, fields, type_name)
        except QueryError as e:
            raise ApiError(400, f"Error parsing orderBy - {e}") from None

    def href(number: int) -> dict:
        extra = "".join(f"&{name}={quote(value, safe='')}"
                        for name, value in (("query", query), ("orderBy", order_by)) if value)
        return {"href": f"{path}?page={number}&pageSize={size}{extra}"}

    total = len(items)
    links = {"self": {"href": path}, "current": href(page)}
    if page * size < total:
        links["next"] = href(page + 1)
    if page > 1:
        links["previous"] = href(page - 1)
    return {
        "results": items[(page - 1) * size: page * size],
        "pageNumber": page,
        "pageSize": size,
        "totalResults": total,
        "_links": links,
    }
