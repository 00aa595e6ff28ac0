"""OpenAPI conformance checking for the ISC emulator's ``--openapi-spec`` mode (a test double,
not affiliated with SailPoint).

Every ISC request and response (not ``/__emulator/``) is validated with openapi-core against the
given spec; violations are recorded per tenant and read back at ``GET /__emulator/violations``.
openapi-core is imported only when this mode is on.

Legacy paths (``/v3/oauth-clients``, ``/beta/personal-access-tokens/{id}``, ...) are validated
against their v1 equivalents: SOURCES.md §4 shows the OAuth client operations identical in every
version and the legacy PAT schemas a subset of v1's.

Known defects of the published spec (SOURCES.md §5 and one more found here) would make correct
traffic fail validation. Each workaround below is as narrow as the defect, and listed in the
README:

1. ``CreatePersonalAccessTokenResponse.expirationDate`` is required and non-nullable, but a
   never-expiring PAT (v1/v2025/v2026) has ``expirationDate: null`` (§5.1).
2. ``JsonPatchOperation.value`` has no null branch, but the documented PAT patch replaces
   ``/expirationDate`` with null (§5.2); OAuth client patches may null nullable fields too.
3. ``grant_type`` is an enum of lower-case values, but the docs' tables say ``CLIENT_CREDENTIALS``
   (§5.6) and ISC accepts both.
4. ``CreateOAuthClientResponse`` declares ``businessName``, ``homepageUrl`` and ``redirectUris``
   required and non-nullable, while ``GetOAuthClientResponse`` (same object) declares them
   nullable; a client created without them has null there (not listed in SOURCES.md).
5. A request that does not match any operation (e.g. ``GET /personal-access-tokens/v1/{id}``)
   or that the spec rejects gets an error status the spec does not list (405, 415): the request
   violation is recorded; the response is not checked against a declaration that cannot exist.
6. ``GET /oauth/authorize`` is a browser endpoint that no spec describes: not validated.
"""

from __future__ import annotations

import json
import threading
import warnings
from typing import Any, Optional
from urllib.parse import urlencode

from .resources import match_route
from .wire import Request, Response

SPEC_HOST = "https://sailpoint.api.identitynow.com"  # matches the spec's first server template
UNVALIDATED_PATHS = ("/oauth/authorize",)
JSON_PATCH = "application/json-patch+json"
_PLACEHOLDER_TIMESTAMP = "1970-01-01T00:00:00.000Z"


def spec_path(path: str) -> str:
    """Map any supported API version's path onto the v1 path of the spec."""
    route = match_route(path)
    if route is None:
        return path.rstrip("/") or "/"
    base = f"/{route.collection}/v1"
    return f"{base}/{route.resource_id}" if route.resource_id else base


# -- workarounds (see the module docstring) -----------------------------------------------------
def _request_workarounds(request: Request, path: str) -> tuple[bytes, str]:
    body, content_type = request.body, request.headers.get("content-type", "")
    if request.media_type == JSON_PATCH:
        try:
            operations = json.loads(body)
        except ValueError:
            return body, content_type
        if isinstance(operations, list):
            for operation in operations:
                if isinstance(operation, dict) and operation.get("value", "") is None:
                    operation["value"] = ""  # workaround 2
            body = json.dumps(operations).encode()
    elif path == "/oauth/token" and request.media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        from .auth import OAuthError, token_parameters

        try:
            body_only = Request(request.method, request.path, {}, {"content-type": content_type}, request.body)
            fields = token_parameters(body_only)
        except OAuthError:
            return body, content_type
        grant_type = fields.get("grant_type")
        if grant_type and grant_type != grant_type.lower():
            # workaround 3: re-encode (urlencoded and multipart share one schema in the spec)
            fields["grant_type"] = grant_type.lower()
            return urlencode(fields).encode(), "application/x-www-form-urlencoded"
    return body, content_type


def _response_workarounds(request: Request, path: str, response: Response) -> bytes:
    if request.method != "POST" or response.status != 200 or path not in ("/personal-access-tokens/v1", "/oauth-clients/v1"):
        return response.body
    try:
        created = json.loads(response.body)
    except ValueError:
        return response.body
    if not isinstance(created, dict):
        return response.body
    if path == "/personal-access-tokens/v1" and created.get("expirationDate", "") is None:
        created["expirationDate"] = _PLACEHOLDER_TIMESTAMP  # workaround 1
    if path == "/oauth-clients/v1":
        for name, placeholder in (("businessName", ""), ("homepageUrl", ""), ("redirectUris", [])):
            if created.get(name, "") is None:
                created[name] = placeholder  # workaround 4
    return json.dumps(created).encode()


def describe_error(error: BaseException) -> str:
    """One readable line from an openapi-core exception, with the schema errors if any."""
    schema_errors = getattr(error, "schema_errors", None) or getattr(error.__cause__, "schema_errors", None)
    if schema_errors:
        details = []
        for schema_error in schema_errors:
            location = "/".join(str(part) for part in schema_error.absolute_path) or "(root)"
            details.append(f"{location}: {schema_error.message}")
        return f"{type(error).__name__}: {'; '.join(details)}"
    if error.__cause__ is not None and str(error.__cause__) and str(error.__cause__) not in str(error):
        return f"{type(error).__name__}: {error} ({error.__cause__})"
    return f"{type(error).__name__}: {error}"


class _SpecRequest:
    """openapi-core's Request protocol for one emulator request."""

    def __init__(self, request: Request, path: str, body: bytes, content_type: str) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = SPEC_HOST
        self.path = path
        self.method = request.method.lower()
        self.body = body
        self.content_type = content_type
        self.parameters = RequestParameters(
            query=ImmutableMultiDict([(name, value) for name, values in request.query.items() for value in values]),
            header=Headers(request.headers),
            cookie=ImmutableMultiDict(),
        )


class _SpecResponse:
    def __init__(self, response: Response, body: bytes) -> None:
        from werkzeug.datastructures import Headers

        self.status_code = response.status
        self.data = body
        self.headers = Headers(response.headers)
        self.content_type = response.header("Content-Type") or ""


class SpecConformanceChecker:
    """Validates exchanges against one OpenAPI document; safe to call from many threads."""

    def __init__(self, spec_file: str) -> None:
        from openapi_core import Config, OpenAPI

        # openapi-core cannot check oauth2 security schemes and says so on every call.
        warnings.filterwarnings("ignore", message="Unsupported scheme type")
        config = Config(extra_media_type_deserializers={JSON_PATCH: json.loads})
        self._api = OpenAPI.from_file_path(spec_file, config=config)
        self._lock = threading.Lock()

    def check(self, request: Request, response: Response) -> list[dict]:
        if request.path in UNVALIDATED_PATHS:
            return []  # workaround 6
        from openapi_core.templating.paths.exceptions import PathError
        from openapi_core.templating.responses.exceptions import ResponseNotFound

        path = spec_path(request.path)
        body, content_type = _request_workarounds(request, path)
        spec_request = _SpecRequest(request, path, body, content_type)
        violations = []
        request_valid = operation_found = True
        with self._lock:
            try:
                self._api.validate_request(spec_request)
            except PathError as error:
                request_valid = operation_found = False
                violations.append(self._violation(request, "request", error))
            except Exception as error:  # noqa: BLE001 - every openapi-core error is a finding
                request_valid = False
                violations.append(self._violation(request, "request", error))
            if operation_found:
                spec_response = _SpecResponse(response, _response_workarounds(request, path, response))
                try:
                    self._api.validate_response(spec_request, spec_response)
                except ResponseNotFound as error:
                    if request_valid or response.status < 400 or response.status >= 500:
                        violations.append(self._violation(request, "response", error))
                    # else workaround 5: an error status for a request the spec rejects
                except Exception as error:  # noqa: BLE001
                    violations.append(self._violation(request, "response", error))
        return violations

    @staticmethod
    def _violation(request: Request, kind: str, error: BaseException) -> dict:
        return {"method": request.method, "path": request.path, "kind": kind, "message": describe_error(error)}


def load_checker(spec_file: Optional[str]) -> Optional[Any]:
    return SpecConformanceChecker(spec_file) if spec_file else None
