"""ISC standard collection parameters for the list operations of the ISC emulator (a test
double, not affiliated with SailPoint).

The OAuth client and PAT list operations declare one parameter, ``filters`` (``lastUsed``: ``le``,
``isnull``), and ``owner-id`` for PATs: by default a list answers every object. The docs' standard
collection parameters page describes ``limit`` (default and maximum 250), record-based ``offset``
and ``count=true`` (``X-Total-Count``) for list endpoints in general: the emulator honours them when
sent, and ``--default-page-size N`` makes it answer at most N objects when no ``limit`` is given, as
a gateway applying that page's default would.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from .clock import parse_timestamp
from .wire import ApiError, Request

MAX_LIMIT = 250
SUPPORTED_FILTERS = "lastUsed (le, isnull)"

# One comparison: field, operator, optional value (quoted or not).
_EXPRESSION = re.compile(r'^\s*(?P<field>[A-Za-z_][\w.]*)\s+(?P<op>[A-Za-z]+)(?:\s+(?P<value>"[^"]*"|\S+))?\s*$')

Predicate = Callable[[dict], bool]


def _integer(request: Request, name: str, default: int, minimum: int, maximum: Optional[int] = None) -> int:
    raw = request.query_value(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"Query parameter '{name}' must be an integer, got '{raw}'") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ApiError(400, f"Query parameter '{name}' must be {bounds}, got {value}")
    return value


def _comparison(expression: str) -> Predicate:
    match = _EXPRESSION.match(expression)
    if match is None:
        raise ApiError(400, f"Invalid filter expression '{expression.strip()}'")
    field, op, value = match["field"], match["op"], match["value"]
    if field != "lastUsed" or op not in ("le", "isnull"):
        raise ApiError(
            400,
            f"Unsupported filter '{expression.strip()}': filtering on field '{field}' with operator '{op}' "
            f"is not supported. Supported: {SUPPORTED_FILTERS}",
        )
    if op == "isnull":
        if value is not None:
            raise ApiError(400, f"Invalid filter expression '{expression.strip()}': isnull takes no value")
        return lambda item: item.get("lastUsed") is None
    if value is None:
        raise ApiError(400, f"Invalid filter expression '{expression.strip()}': le needs a date-time value")
    try:
        bound = parse_timestamp(value.strip('"'))
    except ValueError:
        raise ApiError(400, f"Invalid filter expression '{expression.strip()}': '{value}' is not a date-time") from None
    return lambda item: item.get("lastUsed") is not None and parse_timestamp(item["lastUsed"]) <= bound


def parse_filters(request: Request) -> Predicate:
    """The ``filters`` parameter as a predicate on API representations (``and`` may join terms)."""
    text = request.query_value("filters")
    if text is None or not text.strip():
        return lambda item: True
    terms = [_comparison(term) for term in re.split(r"\s+and\s+", text.strip())]
    return lambda item: all(term(item) for term in terms)


def page(request: Request, items: list[dict], default_page_size: Optional[int] = None) -> tuple[list[dict], list[tuple[str, str]]]:
    """Apply ``limit``/``offset`` (no ``limit``: ``default_page_size``, or everything when None); with
    ``count=true`` add ``X-Total-Count``."""
    limit = _integer(request, "limit", default_page_size if default_page_size is not None else len(items), 0, MAX_LIMIT)
    offset = _integer(request, "offset", 0, 0)
    count = (request.query_value("count") or "false").lower()
    if count not in ("true", "false"):
        raise ApiError(400, f"Query parameter 'count' must be true or false, got '{count}'")
    headers = [("X-Total-Count", str(len(items)))] if count == "true" else []
    return items[offset : offset + limit], headers
