"""isc_emulator: a local, stateful test double of SailPoint Identity Security Cloud (ISC).

It emulates the parts of ISC that the ``sailpoint_isc.oauth`` collection talks to: the OAuth 2.0
token endpoint (client credentials, authorization code with PKCE, refresh token), bearer-token
authentication, OAuth clients and personal access tokens in every API version (v1, v3, beta,
v2024, v2025, v2026), the rate limit, plus a test-control API under ``/__emulator/``.

This is a test double written from SailPoint's public documentation and OpenAPI specification.
It is not affiliated with, endorsed by or derived from SailPoint's software.

Run it with ``isc-emulator --help`` (installed) or ``python -m isc_emulator --help``; drive it from
tests with :class:`isc_emulator.harness.Emulator`, or with the pytest fixtures of
:mod:`isc_emulator.pytest_plugin` (``isc_emulator``, ``isc_tenant``).
"""

__version__ = "1.0.0"
