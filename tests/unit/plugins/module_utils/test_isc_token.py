"""Reading and verifying ISC access tokens."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_token import (
    decode_unverified,
    describe,
    verify_signature,
)

PAT_CLAIMS = {'tenant_id': 't-1', 'internal': False, 'pod': 'stg01', 'org': 'acme', 'identity_id': 'id-7',
              'user_name': 'admin', 'authorities': ['ORG_ADMIN'], 'client_id': 'pat-1', 'scope': ['sp:scopes:all'],
              'jti': 'j'}
API_CLIENT_CLAIMS = {'tenant_id': 't-1', 'pod': 'stg01', 'org': 'acme', 'client_id': 'c-1',
                     'scope': ['sp:scopes:all'], 'jti': 'j'}


def hs_token(claims, key='hs-key-0123456789-0123456789-0123', exp_in=600):
    return jwt.encode(dict(claims, exp=int(time.time()) + exp_in), key, algorithm='HS256')


def test_describe_pat_token_has_user_context():
    info = describe(hs_token(PAT_CLAIMS))
    assert info['has_user_context'] is True
    assert (info['user_name'], info['identity_id'], info['client_id'], info['org'], info['pod'], info['tenant_id']) \
        == ('admin', 'id-7', 'pat-1', 'acme', 'stg01', 't-1')
    assert info['authorities'] == ['ORG_ADMIN'] and info['scopes'] == ['sp:scopes:all']
    assert info['expired'] is False and 590 <= info['expires_in'] <= 600
    assert info['expires_at'].endswith('Z') and info['header']['alg'] == 'HS256'


def test_describe_api_client_token_has_no_user_context():
    info = describe(hs_token(API_CLIENT_CLAIMS))
    assert info['has_user_context'] is False and info['identity_id'] is None and info['authorities'] == []


def test_expired_token_is_reported_expired():
    info = describe(hs_token(PAT_CLAIMS, exp_in=-30))
    assert info['expired'] is True and info['expires_in'] < 0


def test_space_separated_scope_string():
    assert describe(hs_token(dict(PAT_CLAIMS, scope='a b')))['scopes'] == ['a', 'b']


@pytest.mark.parametrize('token, message', [
    ('not-a-jwt', 'three dot-separated parts'),
    ('a.b', 'three dot-separated parts'),
    ('!!!.e30.sig', 'header is not base64url'),
    ('e30.WzFd.sig', 'payload is not a JSON object'),
])
def test_malformed_tokens(token, message):
    with pytest.raises(IscError, match=message):
        decode_unverified(token)


def test_verify_hs256_good_and_bad_key():
    token = hs_token(PAT_CLAIMS, key='right-key-0123456789-0123456789-01')
    verify_signature(token, key='right-key-0123456789-0123456789-01')
    with pytest.raises(IscError, match='signature is not valid'):
        verify_signature(token, key='wrong-key-0123456789-0123456789-01')


def test_verify_rs256_with_pem_and_jwks():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(dict(PAT_CLAIMS, exp=int(time.time()) + 60), private, algorithm='RS256',
                       headers={'kid': 'k1'})
    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    verify_signature(token, key=pem)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    verify_signature(token, jwks={'keys': [dict(jwk, kid='k1')]})
    with pytest.raises(IscError, match="No key with kid 'k1'"):
        verify_signature(token, jwks={'keys': [dict(jwk, kid='other')]})
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(IscError, match='signature is not valid'):
        verify_signature(token, jwks={'keys': [dict(jwt.algorithms.RSAAlgorithm.to_jwk(
            other.public_key(), as_dict=True), kid='k1')]})


def test_alg_none_is_refused():
    token = jwt.encode(PAT_CLAIMS, None, algorithm='none')
    with pytest.raises(IscError, match="algorithm 'none'"):
        verify_signature(token, key='anything')
