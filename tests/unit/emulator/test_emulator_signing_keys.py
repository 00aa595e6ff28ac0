"""The per-tenant signing keys of the emulator's TokenIssuer: an RS256 key is made on first use, once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest
from isc_emulator.auth import TokenIssuer


def test_an_rs256_key_is_made_on_first_use_and_kept():
    issuer = TokenIssuer()
    assert issuer._keys is None  # nothing made at start: an emulator of many tenants starts without their keys
    token = issuer.encode({"sub": "someone"})
    keys = issuer._keys
    assert keys is not None and issuer.decode(token)["sub"] == "someone"
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "kid": issuer.kid, "typ": "JWT"}
    assert issuer.jwks()["keys"][0]["kid"] == issuer.kid and "BEGIN PUBLIC KEY" in issuer.key_document()["key"]
    issuer.encode({"sub": "again"})
    assert issuer._keys is keys


def test_threads_that_ask_at_once_share_one_key():
    issuer = TokenIssuer()
    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = list(pool.map(lambda n: issuer.encode({"n": n}), range(8)))
    assert [issuer.decode(token)["n"] for token in tokens] == list(range(8))


def test_another_tenants_key_does_not_verify():
    token = TokenIssuer().encode({"sub": "x"})
    with pytest.raises(jwt.InvalidSignatureError):
        TokenIssuer().decode(token)


def test_hs256_and_unknown_algorithms():
    issuer = TokenIssuer("HS256")
    assert issuer.decode(issuer.encode({"sub": "x"}))["sub"] == "x" and issuer.jwks() == {"keys": []}
    with pytest.raises(ValueError, match="unsupported signing algorithm 'ES256'"):
        TokenIssuer("ES256")
