"""The token cache on disk: its key file, and entries of every malformed shape, which are replaced, never fatal."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils import _isc_auth, _isc_token_cache
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_auth import Token, TokenProvider
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import Transport
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import (
    DictOptionAdapter,
    resolve_connection,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_token_cache import TokenCache

from .fakes import FakeSession, response

SECRET = 'client-secret-0123456789'


@pytest.fixture(autouse=True)
def fresh_memory():
    _isc_auth.forget_memory()
    yield
    _isc_auth.forget_memory()


def token_body(n):
    return {'access_token': 'access-token-%d' % n, 'token_type': 'bearer', 'expires_in': 750}


def provider(cache_dir, script):
    settings = resolve_connection(DictOptionAdapter(dict(
        base_url='https://acme.example', client_id='cid', client_secret=SECRET, token_cache_dir=str(cache_dir))), {})
    transport = Transport(settings, sleep=lambda s: None, jitter=lambda a, b: 0, pacer=False)
    transport.session = FakeSession(script)
    return TokenProvider(settings, transport)


def new_process(cache_dir, script):
    """A provider as a later task (a new worker process, memory empty) would build it."""
    _isc_auth.forget_memory()
    return provider(cache_dir, script)


def seal(cache, tokens, payload):
    """An entry that decrypts and authenticates correctly, holding payload (any JSON value)."""
    nonce = os.urandom(12)
    name = tokens._entry_name()
    sealed = cache._entry_key(tokens._material).encrypt(nonce, json.dumps(payload).encode(), name.encode())
    return json.dumps({'v': 2, 'n': base64.b64encode(nonce).decode(), 'c': base64.b64encode(sealed).decode()})


def good_entry(tokens):
    return tokens.cache._path(tokens._entry_name())


def flip_last_byte(text):
    entry = json.loads(text)
    sealed = bytearray(base64.b64decode(entry['c']))
    sealed[-1] ^= 1
    entry['c'] = base64.b64encode(bytes(sealed)).decode()
    return json.dumps(entry)


VALID = Token('t', 10.0, 0.0).to_dict()

# Each: how to turn the file of a valid entry (its text, the cache, the provider) into a damaged one.
MALFORMED = {
    'null': lambda text, cache, tokens: 'null',
    'empty list': lambda text, cache, tokens: '[]',
    'string': lambda text, cache, tokens: '"entry"',
    'empty object': lambda text, cache, tokens: '{}',
    'empty file': lambda text, cache, tokens: '',
    'not utf-8': lambda text, cache, tokens: b'\xff\xfe\x00garbage',
    'truncated': lambda text, cache, tokens: text[:len(text) // 2],
    'earlier format': lambda text, cache, tokens: json.dumps({'v': 1, 'n': 'AAAA', 'c': 'AAAA', 't': 'AAAA'}),
    'future format': lambda text, cache, tokens: json.dumps(dict(json.loads(text), v=3)),
    'nonce a number': lambda text, cache, tokens: json.dumps(dict(json.loads(text), n=5)),
    'cipher text null': lambda text, cache, tokens: json.dumps(dict(json.loads(text), c=None)),
    'nonce not base64': lambda text, cache, tokens: json.dumps(dict(json.loads(text), n='!!not base64!!')),
    'nonce of the wrong size': lambda text, cache, tokens: json.dumps(dict(json.loads(text), n='AAAA')),
    'wrong tag': lambda text, cache, tokens: flip_last_byte(text),
    'sealed null': lambda text, cache, tokens: seal(cache, tokens, None),
    'sealed list': lambda text, cache, tokens: seal(cache, tokens, []),
    'sealed token without access_token': lambda text, cache, tokens: seal(
        cache, tokens, dict(VALID, access_token=None)),
    'sealed expiry of the wrong type': lambda text, cache, tokens: seal(cache, tokens, dict(VALID, expires_at='soon')),
    'sealed expiry a boolean': lambda text, cache, tokens: seal(cache, tokens, dict(VALID, expires_at=True)),
    'sealed info a list': lambda text, cache, tokens: seal(cache, tokens, dict(VALID, info=[])),
    'sealed field missing': lambda text, cache, tokens: seal(
        cache, tokens, dict((k, v) for k, v in VALID.items() if k != 'issued_at')),
    'sealed unknown field': lambda text, cache, tokens: seal(cache, tokens, dict(VALID, extra=1)),
}


@pytest.mark.parametrize('shape', sorted(MALFORMED))
def test_malformed_entry_is_discarded_and_replaced_never_fatal(tmp_path, shape):
    cache_dir = tmp_path / 'cache'
    first = provider(cache_dir, [response(200, token_body(1))])
    first.get()
    path = good_entry(first)
    damaged = MALFORMED[shape](open(path).read(), first.cache, first)
    with open(path, 'wb') as handle:
        handle.write(damaged if isinstance(damaged, bytes) else damaged.encode())

    second = new_process(cache_dir, [response(200, token_body(2))])
    assert second.get().access_token == 'access-token-2'
    assert second.warnings == []
    # The damaged entry was replaced by a good one: the next task reads it without asking ISC.
    third = new_process(cache_dir, [])
    assert third.get().access_token == 'access-token-2'


def test_unreadable_entry_is_removed_even_without_a_new_token(tmp_path):
    cache = TokenCache(str(tmp_path))
    name = cache.entry_name(b'some credential')
    with open(cache._path(name), 'w') as handle:
        handle.write('[]')
    assert cache.load(name, b'material', Token.from_dict) is None
    assert not os.path.exists(cache._path(name))


def test_key_file_is_private_and_made_once(tmp_path):
    first = TokenCache(str(tmp_path))
    second = TokenCache(str(tmp_path))
    assert first.entry_name(b'credential') == second.entry_name(b'credential')
    key_file = tmp_path / 'cache.key'
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600 and len(bytes.fromhex(key_file.read_text())) == 32
    assert [p.name for p in tmp_path.iterdir()] == ['cache.key']  # no temporary file is left behind


def test_key_file_is_never_read_or_written_through_a_symlink(tmp_path):
    cache_dir = tmp_path / 'cache'
    cache_dir.mkdir(mode=0o700)
    elsewhere = tmp_path / 'attacker-known-key'
    elsewhere.write_text('ab' * 32)
    os.symlink(str(elsewhere), str(cache_dir / 'cache.key'))
    cache = TokenCache(str(cache_dir))
    cache.entry_name(b'credential')
    assert not os.path.islink(cache_dir / 'cache.key')
    assert (cache_dir / 'cache.key').read_text() != 'ab' * 32
    assert elsewhere.read_text() == 'ab' * 32


@pytest.mark.parametrize('damage', ['short', 'not hexadecimal', 'upper case', 'newline after the key', 'too long',
                                    'readable by others'])
def test_unusable_key_file_is_replaced(tmp_path, damage):
    first = TokenCache(str(tmp_path))
    name = first.entry_name(b'credential')
    key_file = tmp_path / 'cache.key'
    if damage == 'short':
        key_file.write_text('abcd')
    elif damage == 'not hexadecimal':
        key_file.write_text('z' * 64)
    elif damage == 'upper case':
        key_file.write_text('AB' * 32)
    elif damage == 'newline after the key':
        key_file.write_text('ab' * 32 + '\n')  # as echo writes it: once a crash (an odd-length hexadecimal string)
    elif damage == 'too long':
        key_file.write_text('ab' * 33)
    else:
        os.chmod(key_file, 0o644)
    second = TokenCache(str(tmp_path))
    assert second.entry_name(b'credential') != name
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600 and len(bytes.fromhex(key_file.read_text())) == 32


def test_entries_of_the_earlier_format_are_removed_when_the_key_is_made(tmp_path):
    old_entry = tmp_path / ('ab' * 32 + '.json')
    old_lock = tmp_path / ('ab' * 32 + '.lock')
    unrelated = tmp_path / 'notes.txt'
    for path in (old_entry, old_lock, unrelated):
        path.write_text('x')
    TokenCache(str(tmp_path)).entry_name(b'credential')
    assert not old_entry.exists() and not old_lock.exists() and unrelated.exists()


def test_lock_file_symlink_is_not_followed(tmp_path):
    cache_dir = tmp_path / 'cache'
    first = provider(cache_dir, [response(200, token_body(1))])
    first.get()
    target = tmp_path / 'target'
    target.write_text('keep')
    lock = cache_dir / (first._entry_name() + '.lock')
    lock.unlink()
    os.symlink(str(target), str(lock))
    os.unlink(good_entry(first))
    second = new_process(cache_dir, [response(200, token_body(2))])
    assert second.get().access_token == 'access-token-2'
    assert target.read_text() == 'keep' and not os.path.islink(lock)


def test_without_cryptography_the_cache_is_off_with_one_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(_isc_token_cache, '_CRYPTO', [None])
    cache_dir = tmp_path / 'cache'
    first = provider(cache_dir, [response(200, token_body(1))])
    assert first.get().access_token == 'access-token-1'
    assert first.warnings == [_isc_token_cache.NO_CRYPTOGRAPHY_WARNING]
    assert '\n' not in first.warnings[0] and 'cryptography' in first.warnings[0]
    assert not cache_dir.exists()
    second = new_process(cache_dir, [response(200, token_body(2))])
    assert second.get().access_token == 'access-token-2'


def test_load_cryptography_reports_a_missing_library(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_cryptography(name, *args, **kwargs):
        if name.startswith('cryptography'):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(_isc_token_cache, '_CRYPTO', [])
    monkeypatch.setattr(builtins, '__import__', no_cryptography)
    assert _isc_token_cache.load_cryptography() is None
