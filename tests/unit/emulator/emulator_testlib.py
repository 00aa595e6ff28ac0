"""Helpers shared by the ISC emulator's tests beyond :mod:`isc_emulator.tenant` (the tenant helper, paths per API
version, a valid OAuth client body): the API versions and the text of an error answer."""

from __future__ import annotations

import requests

VERSIONS = ("v1", "v3", "beta", "v2024", "v2025", "v2026")
LEGACY_VERSIONS = VERSIONS[1:]


def error_text(response: requests.Response) -> str:
    """The message of an ErrorResponseDto."""
    return response.json()["messages"][0]["text"]
