"""HTTP request/response values and ISC error bodies for the ISC emulator (a test double, not
affiliated with SailPoint).

Handlers never touch sockets: they take a :class:`Request` and return a :class:`Response`. That
keeps the ISC logic testable and lets the server inject faults (drop the response after applying
a write, for instance) and validate exchanges against the OpenAPI spec in one place.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import parse_qs

# detailCode values as ISC sends them (ErrorResponseDto examples in the spec).
DETAIL_CODES = {
    400: "400.1 Bad Request Content",
    403: "403 Forbidden",
    404: "404 Not found",
    405: "405 Method Not Allowed",
    409: "409 Conflict",
    415: "415 Unsupported Media Type",
    500: "500.0 Internal Fault",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
    504: "504 Gateway Timeout",
}

DEFAULT_TEXTS = {
    400: "The request was syntactically correct but its content is semantically invalid.",
    403: "The server understood the request but refuses to authorize it.",
    404: "The server did not find a current representation for the target resource.",
    405: "The request method is not supported for the target resource.",
    415: "The request content type is not supported by the target resource.",
    500: "An internal fault occurred.",
    503: "The service is temporarily unavailable.",
}

RATE_LIMIT_BODY = {"message": " Rate Limit Exceeded "}


def new_tracking_id() -> str:
    """32 random hex characters, like ISC's trackingId and SLPT-Request-ID values."""
    return secrets.token_hex(16)


@dataclass
class Request:
    """One parsed HTTP request. ``path`` has no query string; ``query`` maps names to all values."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes = b""
    raw_query: str = ""

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> "Request":
        path, _mark, raw_query = target.partition("?")
        return cls(
            method=method.upper(),
            path=path or "/",
            query=parse_qs(raw_query, keep_blank_values=True),
            headers={name.lower(): value for name, value in headers.items()},
            body=body,
            raw_query=raw_query,
        )

    def query_value(self, name: str) -> Optional[str]:
        values = self.query.get(name)
        return values[0] if values else None

    @property
    def media_type(self) -> str:
        """Content-Type without parameters, lower-cased ('' when absent)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def json_body(self) -> Any:
        """Decoded JSON body; raises ApiError(400) when the body is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ApiError(400, f"Request body is not valid JSON: {error}") from None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> Optional[str]:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def json_response(status: int, payload: Any, headers: Optional[list[tuple[str, str]]] = None) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    all_headers = [("Content-Type", "application/json;charset=utf-8")]
    all_headers.extend(headers or [])
    return Response(status, body, all_headers)


def error_dto(status: int, text: Optional[str] = None, detail_code: Optional[str] = None) -> dict:
    """ISC's ErrorResponseDto (used for 400, 403, 404, 500 and friends)."""
    return {
        "detailCode": detail_code or DETAIL_CODES.get(status, f"{status} Error"),
        "trackingId": new_tracking_id(),
        "messages": [
            {
                "locale": "en-US",
                "localeOrigin": "DEFAULT",
                "text": text or DEFAULT_TEXTS.get(status, "An error occurred."),
            }
        ],
    }


def error_response(status: int, text: Optional[str] = None, headers: Optional[list[tuple[str, str]]] = None) -> Response:
    return json_response(status, error_dto(status, text), headers)


def unauthorized_response(message: str) -> Response:
    """401 of the API gateway: its own shape, ``{"error": "JWT validation failed: ..."}``."""
    return json_response(401, {"error": message})


def rate_limited_response(retry_after: int) -> Response:
    return json_response(429, dict(RATE_LIMIT_BODY), [("Retry-After", str(retry_after))])


class ApiError(Exception):
    """Raised anywhere in ISC request handling; becomes an ErrorResponseDto response."""

    def __init__(self, status: int, text: Optional[str] = None, headers: Optional[list[tuple[str, str]]] = None):
        super().__init__(text or DEFAULT_TEXTS.get(status, ""))
        self.status = status
        self.text = text
        self.headers = headers or []

    def to_response(self) -> Response:
        return error_response(self.status, self.text, self.headers)


@dataclass
class RequestMeta:
    """What the request log wants to know about a handled ISC request."""

    client_id: Optional[str] = None
    api_version: Optional[str] = None
    grant_type: Optional[str] = None
