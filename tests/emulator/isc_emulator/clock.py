"""Tenant clock and ISC timestamp handling for the ISC emulator (a test double, not affiliated
with SailPoint).

Every tenant has its own clock: real UTC time plus an offset that tests move forward through the
control API, so that tokens and personal access tokens expire without anyone waiting.
"""

from __future__ import annotations

import calendar
import datetime as dt
import time

UTC = dt.timezone.utc


def format_timestamp(moment: dt.datetime) -> str:
    """ISC's wire format: UTC, millisecond precision, ``Z`` suffix (``2017-07-11T18:45:37.098Z``)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(text: object) -> dt.datetime:
    """Parse an OpenAPI ``date-time`` string into an aware UTC datetime.

    Raises ValueError for anything that is not a full date and time (a bare date is rejected,
    as the spec's ``format: date-time`` requires). A missing offset is read as UTC.
    """
    if not isinstance(text, str) or "T" not in text.upper():
        raise ValueError(f"not an ISO 8601 date-time: {text!r}")
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        # fromisoformat() only understands "Z" from Python 3.11 on; be explicit anyway.
        value = value[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """Calendar arithmetic for "6 months after creation" (day clamped to the month's length)."""
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class TenantClock:
    """Real time shifted by an offset in seconds; only ever moved by the control API."""

    def __init__(self) -> None:
        self.offset = 0.0

    def timestamp(self) -> float:
        return time.time() + self.offset

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.timestamp(), UTC)

    def advance(self, seconds: float) -> None:
        self.offset += float(seconds)

    def set_offset(self, seconds: float) -> None:
        self.offset = float(seconds)
