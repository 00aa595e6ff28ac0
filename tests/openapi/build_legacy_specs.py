"""Regenerate ``tests/openapi/isc-openapi-<version>.yaml`` from a checkout of sailpoint-oss/api-specs.

Usage::

    python tests/openapi/build_legacy_specs.py /path/to/api-specs [--commit SHA]

For each legacy API version (v3, beta, v2024, v2025, v2026) the four path files of the OAuth client
and personal access token operations (``idn/<version>/paths/{oauth-clients,oauth-client,
personal-access-tokens,personal-access-token}.yaml``) are bundled into one self-contained OpenAPI
3.0.1 document: every file ``$ref`` becomes ``#/components/{schemas,responses,parameters}/<file
stem>`` (the legacy file names are already the component names), followed transitively, so beta's
references into ``idn/v3`` are bundled too. Nothing is rewritten but:

* ``owner-id``'s ``schema.default: null`` on a non-nullable string (openapi-spec-validator rejects
  it; the same change as in the v1 subset, SOURCES.md §3.2) is dropped and marked ``x-extractor-note``;
* a ``default`` that is prose (``6 Months from created date``) on a ``format: date-time`` string
  (the legacy ``GetPersonalAccessTokenResponse.expirationDate``) is dropped the same way, for the
  same reason;
* ``info``, ``servers`` and ``components.securitySchemes`` are written here, because the legacy root
  files (``idn/sailpoint-api.<version>.yaml``) are whole-API documents: the server URL is the one of
  the root spec, ``https://{tenant}.api.identitynow.com/<version>``; the security schemes are the
  ``userAuth``/``applicationAuth`` pair every version declares identically (SOURCES.md §4), copied
  from the v1 subset next to this script.

The tests read only the generated files; this script is how they were made. It needs PyYAML.
"""

from __future__ import annotations

import argparse
import copy
import re
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
V1_SUBSET = HERE / "isc-openapi-subset.yaml"
VERSIONS = {"v3": "3.0.0", "beta": "3.1.0-beta", "v2024": "v2024", "v2025": "v2025", "v2026": "v2026"}
PATH_FILES = {
    "/oauth-clients": "oauth-clients.yaml",
    "/oauth-clients/{id}": "oauth-client.yaml",
    "/personal-access-tokens": "personal-access-tokens.yaml",
    "/personal-access-tokens/{id}": "personal-access-token.yaml",
}
COMPONENT_KINDS = {"schemas": "schemas", "responses": "responses", "parameters": "parameters"}
UPSTREAM = "https://github.com/sailpoint-oss/api-specs"
DEFAULT_COMMIT = "81ef79d05e43806f9083f42015a2a359bbd76e1f"


class Bundler:
    """Inlines file references of one version into components, keyed by file stem."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.components: dict[str, dict[str, object]] = {kind: {} for kind in COMPONENT_KINDS.values()}
        self._origin: dict[tuple[str, str], Path] = {}

    def _component_ref(self, target: Path) -> str:
        kind = COMPONENT_KINDS.get(target.parent.name)
        if kind is None:
            raise ValueError(f"do not know which component kind {target} is")
        name = target.stem
        known = self._origin.get((kind, name))
        if known is None:
            self._origin[(kind, name)] = target
            self.components[kind][name] = None  # placeholder: breaks reference cycles
            self.components[kind][name] = self.bundle(yaml.safe_load(target.read_text()), target.parent)
        elif known != target and yaml.safe_load(known.read_text()) != yaml.safe_load(target.read_text()):
            raise ValueError(f"two different files would both be {kind}/{name}: {known} and {target}")
        return f"#/components/{kind}/{name}"

    def bundle(self, node, base: Path):
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and not reference.startswith("#"):
                target = (base / reference).resolve()
                return {**{key: value for key, value in node.items() if key != "$ref"}, "$ref": self._component_ref(target)}
            return {key: self.bundle(value, base) for key, value in node.items()}
        if isinstance(node, list):
            return [self.bundle(item, base) for item in node]
        return node


def _drop_null_defaults(paths: dict) -> None:
    for path_item in paths.values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if "default" in schema and schema["default"] is None and not schema.get("nullable"):
                    del schema["default"]
                    parameter["x-extractor-note"] = (
                        "upstream has schema.default: null on a non-nullable string; removed because "
                        "openapi-spec-validator rejects it (see tests/openapi/SOURCES.md)"
                    )


def _is_date_time(text) -> bool:
    return isinstance(text, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", text) is not None


def _drop_prose_date_defaults(node) -> None:
    """``default: 6 Months from created date`` on a ``format: date-time`` string is prose, not a value."""
    if isinstance(node, dict):
        if node.get("format") == "date-time" and "default" in node and not _is_date_time(node["default"]):
            node["x-extractor-note"] = (
                f"upstream has default: {node.pop('default')!r}, prose where a date-time value belongs; removed "
                "because openapi-spec-validator rejects it (see tests/openapi/SOURCES.md)"
            )
        for value in node.values():
            _drop_prose_date_defaults(value)
    elif isinstance(node, list):
        for item in node:
            _drop_prose_date_defaults(item)


def build(upstream: Path, version: str, commit: str, security_schemes: dict) -> dict:
    bundler = Bundler(upstream.resolve())
    version_dir = upstream / "idn" / version / "paths"
    paths = {}
    for path, file_name in PATH_FILES.items():
        source = version_dir / file_name
        paths[path] = bundler.bundle(yaml.safe_load(source.read_text()), source.parent)
    _drop_null_defaults(paths)
    components = {kind: dict(sorted(items.items())) for kind, items in bundler.components.items() if items}
    _drop_prose_date_defaults(components)
    components["securitySchemes"] = copy.deepcopy(security_schemes)
    return {
        "openapi": "3.0.1",
        "info": {
            "title": f"Identity Security Cloud API {version} - OAuth Clients & Personal Access Tokens (bundled subset)",
            "description": (
                f"The {version} OAuth client and personal access token operations of SailPoint's published "
                f"OpenAPI specification ({UPSTREAM}, commit {commit}, idn/{version}/paths/*), bundled into one "
                "file by tests/openapi/build_legacy_specs.py. Descriptions, schemas and examples are verbatim. "
                "MIT licence (see tests/openapi/SOURCES.md)."
            ),
            "license": {"name": "MIT", "url": "https://opensource.org/licenses/MIT"},
            "version": VERSIONS[version],
            "x-source": {
                "repository": UPSTREAM,
                "commit": commit,
                "paths": [f"idn/{version}/paths/{name}" for name in PATH_FILES.values()],
                "rootSpec": f"idn/sailpoint-api.{version}.yaml (servers, securitySchemes)",
            },
        },
        "servers": [
            {
                "url": f"https://{{tenant}}.api.identitynow.com/{version}",
                "description": "This is the production API server.",
                "variables": {"tenant": {"default": "sailpoint", "description": "This is the name of your tenant, typically your company's name."}},
            }
        ],
        "paths": paths,
        "components": components,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("upstream", type=Path, help="checkout of sailpoint-oss/api-specs (holding idn/)")
    parser.add_argument("--commit", default=DEFAULT_COMMIT, help="the checkout's commit, recorded in info.x-source")
    parser.add_argument("--output-dir", type=Path, default=HERE)
    args = parser.parse_args()
    security_schemes = yaml.safe_load(V1_SUBSET.read_text())["components"]["securitySchemes"]
    for version in VERSIONS:
        document = build(args.upstream, version, args.commit, security_schemes)
        target = args.output_dir / f"isc-openapi-{version}.yaml"
        header = (
            f"# Generated by tests/openapi/build_legacy_specs.py from {UPSTREAM} at {args.commit}\n"
            f"# (idn/{version}/paths/* and the files they reference). MIT licence. Do not edit by hand.\n"
        )
        target.write_text(header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120))
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
