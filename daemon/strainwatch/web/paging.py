"""The `?page=` of a paged list (views.paging) and the links to its neighbours: the HTML
page's "newer"/"older" links and the JSON twin's `next`/`previous` addresses keep every other
filter of the query."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from strainwatch.views.paging import LAST_PAGE, Paged
from strainwatch.web.page import BadRequest, Ctx

WHOLE_NUMBER_CHARS = frozenset("0123456789")  # ASCII only: "²" is a digit to str.isdigit


def page_asked(ctx: Ctx) -> int:
    value = ctx.query.get("page", "").strip()
    if not value:
        return 1
    if not set(value) <= WHOLE_NUMBER_CHARS or len(value) > 7 or not 1 <= int(value) <= LAST_PAGE:
        raise BadRequest(f"page: a whole number from 1 to {LAST_PAGE}")
    return int(value)


def _link(ctx: Ctx, page: int, suffix: str) -> str:
    query = {k: v for k, v in ctx.query.items() if k != "page" and v}
    if page > 1:
        query["page"] = str(page)
    base = ctx.path.removesuffix(".json") + suffix
    return f"{base}?{urlencode(query)}" if query else base


def links(ctx: Ctx, paged: Paged[Any], suffix: str = "") -> dict[str, str | None]:
    """`next` and `previous` addresses (None at either end); `suffix` ".json" for the twin."""
    return {
        "next": _link(ctx, paged.page + 1, suffix) if paged.has_next else None,
        "previous": _link(ctx, paged.page - 1, suffix) if paged.has_previous else None,
    }


def page_json(ctx: Ctx, paged: Paged[Any], key: str, items: list[Any]) -> dict[str, Any]:
    """The JSON twin of a paged list: its rows under `key`, where they stand, and the
    addresses of the pages on either side."""
    return {
        key: items,
        "page": paged.page,
        "page_size": paged.size,
        "total": paged.total,
        **links(ctx, paged, ".json"),
    }


def page_values(ctx: Ctx, paged: Paged[Any]) -> dict[str, Any]:
    """What the list's template shows under the rows: where this page stands, and links."""
    first = paged.offset + 1 if paged.items else 0
    return {
        "paged": {
            "page": paged.page,
            "pages": paged.pages,
            "total": paged.total,
            "first": first,
            "last": paged.offset + len(paged.items),
            **links(ctx, paged),
        }
    }
