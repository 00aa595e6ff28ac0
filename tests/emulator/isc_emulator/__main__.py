"""Command line of the ISC emulator (a test double of SailPoint Identity Security Cloud, not
affiliated with SailPoint). ``python -m isc_emulator --help`` for the options."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Optional, Sequence

from . import __version__
from .listing import MAX_LIMIT
from .resources import QUIRKS
from .state import PAT_LIMIT_PER_USER, TenantSettings

DESCRIPTION = """\
Local, stateful test double of SailPoint Identity Security Cloud (ISC): OAuth token endpoint,
OAuth clients and personal access tokens in every API version, rate limit, and a test-control
API under /__emulator/. Not affiliated with SailPoint.

Every tenant gets its own listener. When all listen, one line per tenant is printed to stdout:
    READY <tenant> <base_url>
Nothing else goes to stdout; logs go to stderr. SIGTERM or SIGINT stops it (exit status 0).

Each tenant starts with the identity "admin" (ORG_ADMIN) whose personal access token is
--admin-client-id/--admin-client-secret, and the identity "user" (no admin rights) whose
personal access token is --user-client-id/--user-client-secret. Both never expire.
"""

EPILOG = """\
examples:
  python -m isc_emulator --tenant acme --port 8443 --tls-generate /tmp/isc-tls
  curl --cacert /tmp/isc-tls/ca.pem -d grant_type=client_credentials \\
       -d client_id=admin-client-id -d client_secret=admin-client-secret \\
       https://127.0.0.1:8443/oauth/token
  python -m isc_emulator --tenant acme --tenant globex --rate-limit 5 --rate-window 2
  python -m isc_emulator --tenant acme --openapi-spec tests/openapi --quirk null-create-fields

See the README (tests/emulator/README.md in the collection's repository) for the control API
(/__emulator/...).
"""


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _page_size(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_LIMIT} (the largest limit ISC accepts), got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="isc-emulator",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tenant", action="append", required=True, metavar="NAME",
                        help="tenant name (the 'org'); repeat for several tenants, each on its own port")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=_non_negative_int, default=0, metavar="N",
                        help="port of the first tenant; the next tenants take N+1, N+2, ... "
                             "(default 0: a free port for every tenant)")
    tls = parser.add_argument_group("TLS (HTTPS instead of HTTP)")
    tls.add_argument("--tls-cert", metavar="FILE", help="server certificate (PEM, may include the chain)")
    tls.add_argument("--tls-key", metavar="FILE", help="private key of --tls-cert (PEM)")
    tls.add_argument("--tls-generate", metavar="DIR",
                     help="generate DIR/ca.pem and a 127.0.0.1/localhost certificate signed by it "
                          "(DIR/server.pem, DIR/server-key.pem) and serve HTTPS with it")
    creds = parser.add_argument_group("seeded credentials")
    creds.add_argument("--admin-client-id", default="admin-client-id", metavar="ID",
                       help="client id of the admin's personal access token (default: %(default)s)")
    creds.add_argument("--admin-client-secret", default="admin-client-secret", metavar="SECRET",
                       help="its secret (default: %(default)s)")
    creds.add_argument("--user-client-id", default="user-client-id", metavar="ID",
                       help="client id of the plain user's personal access token (default: %(default)s)")
    creds.add_argument("--user-client-secret", default="user-client-secret", metavar="SECRET",
                       help="its secret (default: %(default)s)")
    creds.add_argument("--pat-token-validity", type=_positive_int, default=43200, metavar="SECONDS",
                       help="accessTokenValiditySeconds of the seeded personal access tokens (default: %(default)s)")
    behaviour = parser.add_argument_group("behaviour")
    behaviour.add_argument("--rate-limit", type=_non_negative_int, default=100, metavar="N",
                           help="requests allowed per client id and API version in the window; 0 disables "
                                "(default: %(default)s)")
    behaviour.add_argument("--rate-window", type=_positive_float, default=10.0, metavar="SECONDS",
                           help="length of the sliding rate-limit window (default: %(default)s)")
    behaviour.add_argument("--signing-alg", choices=("RS256", "HS256"), default="RS256",
                           help="JWT signature: RS256 with a per-tenant RSA key (JWKS at /__emulator/jwks), or "
                                "HS256 with a per-tenant secret (at /__emulator/signing-key) (default: %(default)s)")
    behaviour.add_argument("--pat-limit", type=_non_negative_int, default=PAT_LIMIT_PER_USER, metavar="N",
                           help="personal access tokens a user may have, as the docs state; 0 = no limit "
                                "(default: %(default)s)")
    behaviour.add_argument("--default-page-size", type=_page_size, metavar="N",
                           help="answer at most N objects to a list call without 'limit', as ISC's standard "
                                "collection parameters describe (limit default 250); by default a list answers "
                                "every object, as the list operations declare no paging")
    behaviour.add_argument("--quirk", action="append", choices=QUIRKS, default=[], dest="quirks",
                           help="deviate from the published spec as some tenants do (repeatable): "
                                "null-create-fields = the OAuth client create answer has null businessName, "
                                "homepageUrl and redirectUris when they were not set")
    behaviour.add_argument("--openapi-spec", metavar="PATH",
                           help="validate every ISC request and response against the OpenAPI document of its API "
                                "version (needs the [validation] extra: openapi-core) and record violations at "
                                "/__emulator/violations. PATH is a directory with isc-openapi-subset.yaml (v1 and "
                                "/oauth/*) and isc-openapi-{v3,beta,v2024,v2025,v2026}.yaml, or one file")
    parser.add_argument("--verbose", action="store_true", help="access log on stderr")
    parser.add_argument("--version", action="version", version=f"isc_emulator {__version__}")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if len(set(args.tenant)) != len(args.tenant):
        parser.error("tenant names must be unique")
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.tls_generate and args.tls_cert:
        parser.error("use either --tls-generate or --tls-cert/--tls-key")
    if args.port and args.port + len(args.tenant) - 1 > 65535:
        parser.error("not enough ports above --port for every tenant")

    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s isc_emulator %(levelname)s %(message)s",
    )
    log = logging.getLogger("isc_emulator")

    # Imported here so that --help stays fast and independent of the optional dependencies.
    from . import server, tls

    ssl_context = None
    cert_file, key_file = args.tls_cert, args.tls_key
    if args.tls_generate:
        _ca_file, cert_file, key_file = tls.generate_ca_and_server_cert(args.tls_generate)
    if cert_file:
        ssl_context = tls.server_context(cert_file, key_file)

    spec_checker = None
    if args.openapi_spec:
        from .spec_validation import SpecConformanceChecker

        try:
            spec_checker = SpecConformanceChecker(args.openapi_spec)
        except FileNotFoundError as error:
            parser.error(str(error))

    tenants = [
        TenantSettings(
            name=name,
            admin_client_id=args.admin_client_id,
            admin_client_secret=args.admin_client_secret,
            user_client_id=args.user_client_id,
            user_client_secret=args.user_client_secret,
            pat_token_validity=args.pat_token_validity,
            rate_limit=args.rate_limit,
            rate_window=args.rate_window,
            pat_limit=args.pat_limit,
            default_page_size=args.default_page_size,
            quirks=frozenset(args.quirks),
        )
        for name in args.tenant
    ]
    try:
        listeners = server.create_listeners(
            tenants,
            host=args.host,
            first_port=args.port,
            ssl_context=ssl_context,
            signing_alg=args.signing_alg,
            spec_checker=spec_checker,
            verbose=args.verbose,
        )
    except OSError as error:
        log.error("cannot listen on %s (port %s): %s", args.host, args.port, error)
        return 2

    stop_requested = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_signal_args: stop_requested.set())
    server.start(listeners)
    for listener in listeners:
        print(f"READY {listener.context.settings.name} {listener.context.base_url}", flush=True)
    while not stop_requested.wait(0.5):
        pass
    log.info("stopping")
    server.stop(listeners)
    return 0


if __name__ == "__main__":
    sys.exit(main())
