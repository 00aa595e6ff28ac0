"""Body validation of OAuth clients and personal access tokens, per API version, for the ISC
emulator (a test double, not affiliated with SailPoint).

Rules come from the official spec (required lists, enums, int32 fields, patchable lists) and from
SOURCES.md §4 for what differs between versions: on v1, v2025 and v2026 a PAT may never expire
(``expirationDate`` null requires ``userAwareTokenNeverExpires: true``); on v3, beta and v2024 a
PAT expires at most 6 months after creation and ``userAwareTokenNeverExpires`` does not exist.
Every function raises :class:`~isc_emulator.wire.ApiError` (400) with a message naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from .clock import add_months, format_timestamp, parse_timestamp
from .jsonpatch import PatchError, apply_patch, check_operations, touched_members
from .state import DEFAULT_SCOPE
from .wire import ApiError

INT32_MAX = 2**31 - 1
GRANT_TYPES = ("CLIENT_CREDENTIALS", "AUTHORIZATION_CODE", "REFRESH_TOKEN")
ACCESS_TYPES = ("ONLINE", "OFFLINE")
CLIENT_TYPES = ("CONFIDENTIAL", "PUBLIC")
DEFAULT_REFRESH_TOKEN_VALIDITY = 86400

CLIENT_REQUIRED = ("name", "description", "accessTokenValiditySeconds", "grantTypes", "accessType", "enabled")
# The spec also lists "tenant", which is no property of any OAuth client schema (SOURCES.md §5.4).
CLIENT_PATCHABLE = (
    "businessName", "homepageUrl", "name", "description", "accessTokenValiditySeconds",
    "refreshTokenValiditySeconds", "redirectUris", "grantTypes", "accessType", "enabled",
    "strongAuthSupported", "claimsSupported",
)  # fmt: skip
CLIENT_WRITABLE = CLIENT_PATCHABLE + ("type", "internal", "scope")

MODERN_PAT_VERSIONS = ("v1", "v2025", "v2026")  # expirationDate may be null (never expires)
PAT_FIELDS = ("name", "scope", "accessTokenValiditySeconds", "expirationDate", "userAwareTokenNeverExpires")
LEGACY_PAT_FIELDS = ("name", "scope", "accessTokenValiditySeconds", "expirationDate")
PAT_PATCHABLE = ("name", "scope", "expirationDate", "userAwareTokenNeverExpires")
LEGACY_PAT_PATCHABLE = ("name", "scope")
PAT_VALIDITY_RANGE = (15, 43200)
DEFAULT_PAT_VALIDITY = 43200
LEGACY_PAT_MAX_MONTHS = 6
NEVER_EXPIRES_RULE = "If expirationDate is null or empty, userAwareTokenNeverExpires must be set to true"
NEVER_EXPIRES_PATCH_RULE = (
    "If expirationDate is being replaced to null, userAwareTokenNeverExpires must also be present in the "
    "patch request with a value of true"
)


def is_modern_pat_version(api_version: str) -> bool:
    return api_version in MODERN_PAT_VERSIONS


# -- field coercion -----------------------------------------------------------------------------
def _invalid(field: str, expectation: str, value: Any) -> ApiError:
    return ApiError(400, f"Invalid value for '{field}': {expectation}, got {value!r}")


def _string(field: str, value: Any, *, nullable: bool, non_empty: bool = False) -> Optional[str]:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise _invalid(field, "expected a string", value)
    if non_empty and not value.strip():
        raise ApiError(400, f"Invalid value for '{field}': must not be empty")
    return value


def _boolean(field: str, value: Any, default: Optional[bool]) -> bool:
    if value is None and default is not None:
        return default
    if not isinstance(value, bool):
        raise _invalid(field, "expected a boolean", value)
    return value


def _enum(field: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _invalid(field, f"expected one of {', '.join(allowed)}", value)
    return value


def _seconds(field: str, value: Any, *, minimum: int, maximum: int) -> int:
    # The spec says integer int32: a numeric string ("750", as old docs typed it) or a boolean is refused.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(field, "expected an integer", value)
    if not minimum <= value <= maximum:
        raise _invalid(field, f"expected an integer between {minimum} and {maximum}", value)
    return value


def _string_list(field: str, value: Any) -> Optional[list[str]]:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise _invalid(field, "expected a list of non-empty strings", value)
    return list(value)


def _scope(value: Any) -> list[str]:
    """Omitted, null or empty scope means the default ``["sp:scopes:all"]``."""
    scope = _string_list("scope", value)
    return scope if scope else list(DEFAULT_SCOPE)


def _timestamp(field: str, value: Any) -> dt.datetime:
    try:
        return parse_timestamp(value)
    except ValueError:
        raise _invalid(field, "expected an ISO 8601 date-time", value) from None


def _reject_unknown(body: dict, allowed: tuple[str, ...], context: str = "") -> None:
    unknown = [name for name in body if name not in allowed]
    if unknown:
        raise ApiError(400, f"Unknown field(s): {', '.join(unknown)}{context}")


def _require_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body


def _checked_patch(operations: Any, patchable: tuple[str, ...], what: str) -> tuple[list[dict], list[str]]:
    try:
        operations = check_operations(operations)
    except PatchError as error:
        raise ApiError(400, f"Invalid JSON Patch: {error}") from None
    members = touched_members(operations)
    refused = [member or "/" for member in members if member not in patchable]
    if refused:
        raise ApiError(
            400,
            f"Field(s) not patchable on {what}: {', '.join(refused)}. Patchable fields: {', '.join(patchable)}",
        )
    return operations, members


def _patched(document: dict, operations: list[dict]) -> dict:
    try:
        return apply_patch(document, operations)
    except PatchError as error:
        raise ApiError(400, f"Invalid JSON Patch: {error}") from None


# -- OAuth clients ------------------------------------------------------------------------------
def _client_fields(values: dict) -> dict:
    """All writable fields, validated and with defaults filled in."""
    missing = [name for name in CLIENT_REQUIRED if values.get(name) is None]
    if missing:
        raise ApiError(400, f"Missing required field(s): {', '.join(missing)}")
    seconds = dict(minimum=1, maximum=INT32_MAX)
    grant_types = values["grantTypes"]
    if not isinstance(grant_types, list) or not grant_types:
        raise _invalid("grantTypes", "expected a non-empty list of grant types", grant_types)
    fields = {
        "businessName": _string("businessName", values.get("businessName"), nullable=True),
        "homepageUrl": _string("homepageUrl", values.get("homepageUrl"), nullable=True),
        "name": _string("name", values["name"], nullable=False, non_empty=True),
        "description": _string("description", values["description"], nullable=False),
        "accessTokenValiditySeconds": _seconds("accessTokenValiditySeconds", values["accessTokenValiditySeconds"], **seconds),
        "refreshTokenValiditySeconds": _seconds(
            "refreshTokenValiditySeconds",
            values.get("refreshTokenValiditySeconds") if values.get("refreshTokenValiditySeconds") is not None else DEFAULT_REFRESH_TOKEN_VALIDITY,
            **seconds,
        ),
        "redirectUris": _string_list("redirectUris", values.get("redirectUris")),
        "grantTypes": [_enum("grantTypes", grant, GRANT_TYPES) for grant in grant_types],
        "accessType": _enum("accessType", values["accessType"], ACCESS_TYPES),
        "type": _enum("type", values.get("type") if values.get("type") is not None else "CONFIDENTIAL", CLIENT_TYPES),
        "internal": _boolean("internal", values.get("internal"), False),
        "enabled": _boolean("enabled", values["enabled"], None),
        "strongAuthSupported": _boolean("strongAuthSupported", values.get("strongAuthSupported"), False),
        "claimsSupported": _boolean("claimsSupported", values.get("claimsSupported"), False),
        "scope": _scope(values.get("scope")),
    }
    if "AUTHORIZATION_CODE" in fields["grantTypes"] and not fields["redirectUris"]:
        raise ApiError(400, "redirectUris must contain at least one URI when grantTypes includes AUTHORIZATION_CODE")
    return fields


def validate_client_create(body: Any) -> dict:
    body = _require_object(body)
    _reject_unknown(body, CLIENT_WRITABLE)
    return _client_fields(body)


def validate_client_patch(current: dict, operations: Any) -> dict:
    """The client's writable fields after the patch; nothing is applied if anything is wrong."""
    operations, _members = _checked_patch(operations, CLIENT_PATCHABLE, "OAuth clients")
    writable = {name: current.get(name) for name in CLIENT_WRITABLE}
    return _client_fields(_patched(writable, operations))


# -- personal access tokens ---------------------------------------------------------------------
def _pat_name(value: Any) -> str:
    if value is None:
        raise ApiError(400, "Missing required field(s): name")
    return _string("name", value, nullable=False, non_empty=True)


def _pat_validity(value: Any) -> int:
    if value is None:
        return DEFAULT_PAT_VALIDITY
    low, high = PAT_VALIDITY_RANGE
    return _seconds("accessTokenValiditySeconds", value, minimum=low, maximum=high)


def validate_pat_create(body: Any, api_version: str, now: dt.datetime) -> dict:
    """Validated fields of a new PAT: name, scope, accessTokenValiditySeconds, expiry."""
    body = _require_object(body)
    modern = is_modern_pat_version(api_version)
    _reject_unknown(body, PAT_FIELDS if modern else LEGACY_PAT_FIELDS, "" if modern else f" (not part of the {api_version} API)")
    fields = {
        "name": _pat_name(body.get("name")),
        "scope": _scope(body.get("scope")),
        "accessTokenValiditySeconds": _pat_validity(body.get("accessTokenValiditySeconds")),
    }
    raw_expiration = body.get("expirationDate")
    if modern:
        never_expires_ack = _boolean("userAwareTokenNeverExpires", body.get("userAwareTokenNeverExpires"), False)
        if raw_expiration is None:
            if not never_expires_ack:
                raise ApiError(400, f"Invalid expirationDate: {NEVER_EXPIRES_RULE}")
            expiration = None
        else:
            expiration = _future_timestamp(raw_expiration, now)
        fields.update(expirationDate=expiration, userAwareTokenNeverExpires=never_expires_ack)
    else:
        latest = add_months(now, LEGACY_PAT_MAX_MONTHS)
        if raw_expiration is None:
            expiration = format_timestamp(latest)  # "If not provided, expires 6 months after creation"
        else:
            moment = _timestamp("expirationDate", raw_expiration)
            if not now < moment <= latest:
                raise ApiError(
                    400,
                    "Invalid expirationDate: the value must be a valid date-time string between the current date "
                    f"and 6 months from the creation date (latest {format_timestamp(latest)}), got {raw_expiration!r}",
                )
            expiration = format_timestamp(moment)
        fields.update(expirationDate=expiration, userAwareTokenNeverExpires=False)
    return fields


def _future_timestamp(value: Any, now: dt.datetime) -> str:
    moment = _timestamp("expirationDate", value)
    if moment <= now:
        raise ApiError(400, f"Invalid expirationDate: must be a future date-time, got {value!r}")
    return format_timestamp(moment)


def _sets_never_expires(operations: list[dict]) -> bool:
    return any(
        operation["op"] in ("add", "replace") and operation["path"] == "/userAwareTokenNeverExpires" and operation.get("value") is True
        for operation in operations
    )


def validate_pat_patch(current: dict, operations: Any, api_version: str, now: dt.datetime) -> dict:
    """The PAT's patchable fields after the patch, validated as a whole."""
    modern = is_modern_pat_version(api_version)
    patchable = PAT_PATCHABLE if modern else LEGACY_PAT_PATCHABLE
    operations, members = _checked_patch(operations, patchable, f"personal access tokens ({api_version})")
    patched = _patched({name: current.get(name) for name in patchable}, operations)
    fields = {"name": _pat_name(patched.get("name")), "scope": _scope(patched.get("scope"))}
    if modern:
        never_expires_ack = _boolean("userAwareTokenNeverExpires", patched.get("userAwareTokenNeverExpires"), False)
        expiration = patched.get("expirationDate")
        if expiration is None and "expirationDate" in members and not _sets_never_expires(operations):
            # The spec's rule: the acknowledgement in the same patch, even if the token already has it.
            raise ApiError(400, f"Invalid expirationDate: {NEVER_EXPIRES_PATCH_RULE}")
        if expiration is None:
            if not never_expires_ack:
                raise ApiError(400, f"Invalid expirationDate: {NEVER_EXPIRES_RULE}")
        elif "expirationDate" in members:
            expiration = _future_timestamp(expiration, now)
        fields.update(expirationDate=expiration, userAwareTokenNeverExpires=never_expires_ack)
    return fields
