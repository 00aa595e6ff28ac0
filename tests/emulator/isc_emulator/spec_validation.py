"""OpenAPI conformance checking for the ISC emulator's ``--openapi-spec`` mode (a test double,
not affiliated with SailPoint).

Every ISC request and response (not ``/__emulator/``) is validated with openapi-core against the
published spec **of the API version it was made on**; violations are recorded per tenant and read
back at ``GET /__emulator/violations``. openapi-core is imported only when this mode is on.

``--openapi-spec`` takes a directory holding ``isc-openapi-subset.yaml`` (v1, plus the docs-derived
``/oauth/token`` and ``/oauth/info``) and ``isc-openapi-<version>.yaml`` for v3, beta, v2024, v2025
and v2026 (``tests/openapi/`` in the collection's repository), or a single file, which then
validates every request against that one document (paths it does not declare are violations).

Beyond the schemas, a query parameter that the operation does not declare is a violation.

Relaxations, each only where the published contract contradicts itself (both places are listed
in ``tests/openapi/SOURCES.md`` §6):

R1. A never-expiring PAT's create answer (v1, v2025, v2026) has ``expirationDate: null``, which
    the operation describes, but ``CreatePersonalAccessTokenResponse`` declares it non-nullable.
R2. The documented PAT patch replacing ``/expirationDate`` with null (v1, v2025, v2026), while
    ``JsonPatchOperation.value`` has no null branch.
R3. ``grant_type`` in upper case: the docs' parameter table says ``CLIENT_CREDENTIALS``, every
    docs example (and the docs-derived schema) lower case.
R4. ``limit``, ``offset`` and ``count`` on the list operations: the docs' standard collection
    parameters page describes them for list endpoints; the operations declare only ``filters``
    (and ``owner-id``).

Not validated, because no published document specifies them:

U1. ``GET /oauth/authorize``, a browser endpoint on the UI host that no spec describes.
U2. The status of the answer to a request that already violated the contract (405 for an
    undeclared operation, 415 for an undeclared media type): the request violation is the
    finding; the contract says nothing about answers to requests outside it.

Quirks (``--quirk``) make the emulator deviate on purpose, as some real tenants do; an exchange
that fails validation *only* because of an enabled quirk is recorded as a quirk observation
(``GET /__emulator/quirk-observations``), not as a violation.
"""

from __future__ import annotations

import json
import re
import threading
import warnings
from pathlib import Path
from typing import Any, Iterable, Optional
from urllib.parse import urlencode, urlsplit

from .resources import CREATE_ANSWER_PLACEHOLDERS, PERSONAL_ACCESS_TOKENS, QUIRK_NULL_CREATE_FIELDS, match_route
from .validation import is_modern_pat_version
from .wire import Request, Response

SPEC_HOST = "https://sailpoint.api.identitynow.com"  # the spec's first server template, tenant "sailpoint"
UNVALIDATED_PATHS = ("/oauth/authorize",)  # U1
JSON_PATCH = "application/json-patch+json"
COLLECTION_PARAMETERS = ("limit", "offset", "count")  # R4
SPEC_FILES = {
    "v1": "isc-openapi-subset.yaml",
    "v3": "isc-openapi-v3.yaml",
    "beta": "isc-openapi-beta.yaml",
    "v2024": "isc-openapi-v2024.yaml",
    "v2025": "isc-openapi-v2025.yaml",
    "v2026": "isc-openapi-v2026.yaml",
}
_PLACEHOLDER_TIMESTAMP = "1970-01-01T00:00:00.000Z"


def api_version_of(path: str) -> str:
    """The API version a request path belongs to; the version-less ``/oauth/*`` paths are v1's."""
    route = match_route(path)
    return route.api_version if route else "v1"


def spec_files(location: str) -> dict[str, Path]:
    """Map each API version to the OpenAPI file that validates it (see the module docstring)."""
    path = Path(location)
    if path.is_dir():
        files = {version: path / name for version, name in SPEC_FILES.items()}
        missing = [str(file) for file in files.values() if not file.is_file()]
        if missing:
            raise FileNotFoundError(f"--openapi-spec directory {path} lacks {', '.join(missing)}")
        return files
    if not path.is_file():
        raise FileNotFoundError(f"--openapi-spec {path} is neither a file nor a directory")
    return {version: path for version in SPEC_FILES}


# -- relaxations (see the module docstring) -------------------------------------------------------
def _is_modern_pat_call(path: str) -> bool:
    route = match_route(path)
    return route is not None and route.collection == PERSONAL_ACCESS_TOKENS and is_modern_pat_version(route.api_version)


def _relaxed_request_body(request: Request) -> tuple[bytes, str]:
    body, content_type = request.body, request.headers.get("content-type", "")
    if request.media_type == JSON_PATCH and request.method == "PATCH" and _is_modern_pat_call(request.path):
        try:
            operations = json.loads(body)
        except ValueError:
            return body, content_type
        if isinstance(operations, list):
            for operation in operations:
                if isinstance(operation, dict) and operation.get("path") == "/expirationDate" and operation.get("value", "") is None:
                    operation["value"] = ""  # R2
            body = json.dumps(operations).encode()
    elif request.path == "/oauth/token" and request.media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        from .auth import OAuthError, token_parameters

        try:
            body_only = Request(request.method, request.path, {}, {"content-type": content_type}, request.body)
            fields = token_parameters(body_only)
        except OAuthError:
            return body, content_type
        grant_type = fields.get("grant_type")
        if grant_type and grant_type != grant_type.lower():
            # R3: re-encoded (urlencoded and multipart share one schema in the spec)
            fields["grant_type"] = grant_type.lower()
            return urlencode(fields).encode(), "application/x-www-form-urlencoded"
    return body, content_type


def _created_object(request: Request, status: int, body: bytes) -> Optional[dict]:
    """The object a successful create (POST on a collection) answered, else None."""
    route = match_route(request.path)
    if request.method != "POST" or status != 200 or route is None or route.resource_id is not None:
        return None
    try:
        created = json.loads(body)
    except ValueError:
        return None
    return created if isinstance(created, dict) else None


def _relaxed_response_body(request: Request, response: Response) -> bytes:
    created = _created_object(request, response.status, response.body)
    if created is not None and _is_modern_pat_call(request.path) and created.get("expirationDate", "") is None:
        created["expirationDate"] = _PLACEHOLDER_TIMESTAMP  # R1
        return json.dumps(created).encode()
    return response.body


def _without_null_create_fields(request: Request, status: int, body: bytes) -> Optional[bytes]:
    """The OAuth client create answer as the spec wants it, if it has the quirk's nulls; else None."""
    created = _created_object(request, status, body)
    if created is None or match_route(request.path).collection == PERSONAL_ACCESS_TOKENS:
        return None
    nulls = [name for name in CREATE_ANSWER_PLACEHOLDERS if name in created and created[name] is None]
    if not nulls:
        return None
    for name in nulls:
        created[name] = CREATE_ANSWER_PLACEHOLDERS[name]()
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

    def __init__(self, request: Request, body: bytes, content_type: str) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = SPEC_HOST
        self.path = request.path.rstrip("/") or "/"
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


class _DeclaredQueryParameters:
    """Which query parameters each operation of one document declares (openapi-core ignores the rest)."""

    def __init__(self, document: dict) -> None:
        servers = document.get("servers") or [{"url": "/"}]
        base = urlsplit(servers[0]["url"].replace("{", "").replace("}", "")).path.rstrip("/")
        self._operations: list[tuple[re.Pattern, str, frozenset, bool]] = []
        for template, path_item in (document.get("paths") or {}).items():
            pattern = re.compile("^" + re.escape(base) + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$")
            shared = [self._resolve(document, parameter) for parameter in path_item.get("parameters", [])]
            for method, operation in path_item.items():
                if method == "parameters" or not isinstance(operation, dict):
                    continue
                parameters = shared + [self._resolve(document, parameter) for parameter in operation.get("parameters", [])]
                names = frozenset(parameter["name"] for parameter in parameters if parameter.get("in") == "query")
                self._operations.append((pattern, method.upper(), names, self._is_list(operation)))

    @staticmethod
    def _resolve(document: dict, parameter: dict) -> dict:
        reference = parameter.get("$ref")
        if not reference:
            return parameter
        node: Any = document
        for part in reference.lstrip("#/").split("/"):
            node = node[part]
        return node

    @staticmethod
    def _is_list(operation: dict) -> bool:
        schema = (((operation.get("responses") or {}).get("200") or {}).get("content") or {}).get("application/json", {}).get("schema", {})
        return schema.get("type") == "array"

    def undeclared(self, method: str, path: str, names: Iterable[str]) -> list[str]:
        for pattern, operation_method, declared, is_list in self._operations:
            if operation_method == method and pattern.match(path):
                allowed = declared | (frozenset(COLLECTION_PARAMETERS) if is_list else frozenset())  # R4
                return sorted(name for name in names if name not in allowed)
        return []


# Lookups of a place in a document that jsonschema-path keeps resolved ($refs followed): openapi-core looks up the
# same operations, parameters and schemas at every exchange, and without this cache resolves each again (over half
# of the cost of a check). The documents are a few small files, so every place fits.
RESOLVED_LOOKUPS_KEPT = 100_000


class _Document:
    def __init__(self, spec_file: Path, config: Any) -> None:
        import yaml
        from jsonschema_path import SchemaPath
        from openapi_core import OpenAPI

        self.api = OpenAPI(SchemaPath.from_file_path(str(spec_file), resolved_cache_maxsize=RESOLVED_LOOKUPS_KEPT),
                           config=config)
        self.query_parameters = _DeclaredQueryParameters(yaml.safe_load(spec_file.read_text()))


class SpecConformanceChecker:
    """Validates exchanges against the OpenAPI document of each API version; thread-safe."""

    def __init__(self, spec_location: str) -> None:
        from openapi_core import Config

        # openapi-core cannot check oauth2 security schemes and says so on every call.
        warnings.filterwarnings("ignore", message="Unsupported scheme type")
        self._config = Config(extra_media_type_deserializers={JSON_PATCH: json.loads})
        self._files = spec_files(spec_location)
        # Loaded on first use (about 0.2 s each): an emulator start does not pay for versions nobody calls.
        self._loaded: dict[Path, _Document] = {}
        self._lock = threading.Lock()

    def _document(self, version: str) -> _Document:
        spec_file = self._files[version]
        if spec_file not in self._loaded:
            self._loaded[spec_file] = _Document(spec_file, self._config)
        return self._loaded[spec_file]

    def check(self, request: Request, response: Response, quirks: Iterable[str] = ()) -> tuple[list[dict], list[dict]]:
        """``(violations, quirk_observations)`` of one exchange."""
        if request.path in UNVALIDATED_PATHS:
            return [], []  # U1
        from openapi_core.templating.paths.exceptions import PathError
        from openapi_core.templating.responses.exceptions import ResponseNotFound

        version = api_version_of(request.path)
        body, content_type = _relaxed_request_body(request)
        spec_request = _SpecRequest(request, body, content_type)
        violations, observations = [], []
        request_valid = operation_found = True
        with self._lock:
            document = self._document(version)
            try:
                document.api.validate_request(spec_request)
            except PathError as error:
                request_valid = operation_found = False
                violations.append(self._finding(request, version, "request", describe_error(error)))
            except Exception as error:  # noqa: BLE001 - every openapi-core error is a finding
                request_valid = False
                violations.append(self._finding(request, version, "request", describe_error(error)))
            undeclared = document.query_parameters.undeclared(request.method, spec_request.path, request.query)
            if operation_found and undeclared:
                request_valid = False
                message = f"query parameter(s) {', '.join(undeclared)} not declared by this operation"
                violations.append(self._finding(request, version, "request", message))
            if not operation_found:
                return violations, observations
            response_body = _relaxed_response_body(request, response)
            problem = self._response_problem(document, spec_request, response, response_body, request_valid, ResponseNotFound)
            if problem and QUIRK_NULL_CREATE_FIELDS in quirks:
                conforming = _without_null_create_fields(request, response.status, response_body)
                if conforming is not None and not self._response_problem(
                    document, spec_request, response, conforming, request_valid, ResponseNotFound
                ):
                    observations.append(dict(self._finding(request, version, "response", problem), quirk=QUIRK_NULL_CREATE_FIELDS))
                    problem = None
            if problem:
                violations.append(self._finding(request, version, "response", problem))
        return violations, observations

    @staticmethod
    def _response_problem(document: _Document, spec_request: _SpecRequest, response: Response, body: bytes,
                          request_valid: bool, not_found: type) -> Optional[str]:
        try:
            document.api.validate_response(spec_request, _SpecResponse(response, body))
        except not_found as error:
            if request_valid or response.status < 400 or response.status >= 500:
                return describe_error(error)
            return None  # U2
        except Exception as error:  # noqa: BLE001
            return describe_error(error)
        return None

    @staticmethod
    def _finding(request: Request, version: str, kind: str, message: str) -> dict:
        return {"method": request.method, "path": request.path, "api_version": version, "kind": kind, "message": message}
