# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""HTTP transport: one connection-reusing session, retries that never duplicate a write, ISC error bodies.

Retry policy, and why:

* 429 is retried for every method: ISC answers it before doing anything. The
  wait is the ``Retry-After`` header (seconds or an HTTP date, capped), or
  exponential backoff with full jitter when the header is missing.
* 503 is retried for every method: the gateway refused the request.
* 502 and 504, read timeouts and dropped connections are retried only for
  idempotent requests. For a POST the server may have applied the write, so
  :class:`IscOutcomeUnknownError` is raised and the caller looks the object up
  instead of creating a silent duplicate.
* A connection that could not even be opened is retried for every method.

Pacing: ISC allows 100 requests per 10 seconds per client id and API version. Every request first takes a slot
from a :class:`RequestPacer` shared by all the processes of the run, so the collection alone never exceeds the
limit, however many forks and tasks it runs. ``ISC_RATE_LIMIT=N/SECONDS`` changes the budget, ``0`` turns pacing
off. The API version is read from the request path (:func:`api_version_of`); requests to the token endpoint
(``/oauth/token``, and ``/oauth/info``) have a budget of their own per client id, ``oauth``, because they belong to
no API version (the bundled emulator counts them the same way).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import random
import re
import time

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import (
    IscDependencyError,
    IscError,
    IscOutcomeUnknownError,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_files import (
    default_state_dir,
    ensure_private_dir,
    file_lock,
    write_atomically,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import check_transport_security
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_token import decode_unverified

COLLECTION_VERSION = '0.1.0'
USER_AGENT = 'sailpoint_isc.oauth/%s' % COLLECTION_VERSION

IDEMPOTENT_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'))
RETRY_AFTER_CAP = 60.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 20.0
PAGE_SIZE = 250
ISC_RATE_LIMIT = (100, 10.0)

_REASONS = {400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
            415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error',
            502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout'}


_REQUESTS = []


def load_requests():
    """Import requests on first use: a task served from the token cache never pays its ~0.1 s import."""
    if not _REQUESTS:
        try:
            import requests
        except ImportError:
            raise IscDependencyError('requests', 'the HTTP client of this collection')
        _REQUESTS.append(requests)
    return _REQUESTS[0]


def redact(text, secrets):
    """Replace every secret value in text; the last line of defence for messages built from server replies."""
    if not text:
        return text
    for secret in sorted(set(s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, '********')
    return text


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _texts(items):
    texts = []
    for item in items or []:
        if isinstance(item, dict) and item.get('text'):
            texts.append(str(item['text']))
        elif isinstance(item, str):
            texts.append(item)
    return texts


def error_from_response(response, method, url, secrets=(), what='ISC API call'):
    """Build an IscError from an ISC error reply (ErrorResponseDto, the 401/429 shapes, OAuth errors)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    detail_code = tracking_id = None
    texts = []
    if isinstance(body, dict):
        detail_code = body.get('detailCode')
        tracking_id = body.get('trackingId')
        texts = _texts(body.get('messages')) + _texts(body.get('causes'))
        if body.get('error'):
            error = str(body['error'])
            if body.get('error_description'):
                error += ': %s' % body['error_description']
            texts.append(error)
        if body.get('message') and not texts:
            texts.append(str(body['message']).strip())
    elif response.text:
        texts.append(response.text.strip()[:300])
    request_id = response.headers.get('SLPT-Request-ID')

    message = '%s %s %s failed with HTTP %s %s' % (what, method, url, status, _REASONS.get(status, '').strip())
    message = message.rstrip()
    if texts:
        message += ': ' + '; '.join(texts)
    details = [label + ': ' + value for label, value in (('detailCode', detail_code), ('trackingId', tracking_id),
                                                         ('SLPT-Request-ID', request_id)) if value]
    if details:
        message += ' (%s)' % ', '.join(details)
    error = IscError(redact(message, secrets), status=status, method=method, url=url, detail_code=detail_code,
                     tracking_id=tracking_id, request_id=request_id,
                     messages=[redact(t, secrets) for t in texts])
    if error.hint:
        error.message += '. Hint: ' + error.hint
        error.args = (error.message,)
    return error


def rate_limit_from_env(environ=None):
    """(requests, seconds) from ISC_RATE_LIMIT ("100/10"), ISC's documented limit when unset, None for "0"."""
    value = (os.environ if environ is None else environ).get('ISC_RATE_LIMIT', '').strip()
    if not value:
        return ISC_RATE_LIMIT
    if value == '0':
        return None
    try:
        count, seconds = value.split('/')
        return int(count), float(seconds)
    except ValueError:
        raise IscError('ISC_RATE_LIMIT must look like 100/10 (requests per seconds) or 0, not %r' % value)


_VERSION_SEGMENT = re.compile(r'^(v[0-9]+|beta)$')


def api_version_of(path):
    """The API version ISC counts a request under: /v3/..., /beta/..., /v2024/... by their first segment,
    /<service>/v1/... by its second ('v1'); anything else (the /oauth endpoints) by its first segment."""
    segments = [segment for segment in path.split('/') if segment]
    if not segments:
        return ''
    if _VERSION_SEGMENT.match(segments[0]):
        return segments[0]
    if len(segments) > 1 and _VERSION_SEGMENT.match(segments[1]):
        return segments[1]
    return segments[0]


class RequestPacer(object):
    """A sliding-window budget of requests for one key, shared through a locked file by every process.

    ISC counts a request when it arrives, which is some time after the client decided to send it. A slot is
    therefore taken with the send time (so that concurrent senders see it) and moved to the time the answer
    came back (which is never earlier than the arrival): the next request that this slot's expiry lets through
    then always arrives a full window after this one did.

    A time later than now (the clock was stepped back, or the file was damaged) is dropped, as is a file that
    cannot be read: the shared state can never make anyone wait longer than one window.
    """

    def __init__(self, directory, key, limit, window, clock=time.time, sleep=time.sleep):
        # directory None: this process only (token_cache=false promises to leave no files behind).
        self.path = directory and os.path.join(directory, 'pace-%s' % hashlib.sha256(key.encode('utf-8')).hexdigest()[:32])
        self.directory = directory
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._local = []  # used when the directory cannot be

    def _update(self, change):
        """Apply change(stamps, now) to the shared stamps under the lock and return its result."""
        try:
            if not self.directory:
                raise OSError('no shared directory')
            ensure_private_dir(self.directory)
            with file_lock(self.path + '.lock', 30.0):
                stamps, readable = self._read()
                before = list(stamps)
                result = change(stamps, self._clock())
                if stamps != before or not readable:
                    write_atomically(self.path, json.dumps(stamps))
                return result
        except OSError:
            return change(self._local, self._clock())

    def _read(self):
        """(stamps, readable): the shared times; a missing file is empty, a damaged one is discarded."""
        try:
            with open(self.path) as handle:
                stamps = json.load(handle)
        except OSError:
            return [], True
        except (ValueError, RecursionError):
            return [], False
        if not isinstance(stamps, list) or not all(
                isinstance(t, (int, float)) and not isinstance(t, bool) for t in stamps):
            return [], False
        return [float(t) for t in stamps], True

    def _take(self, stamps, now):
        """Record a request at now if the window has room: (0, now); else (seconds to wait, None)."""
        # 0 <= now - t < window: a time in the future (a clock stepped back) is forgotten, not waited for.
        stamps[:] = [t for t in stamps if 0 <= now - t < self.window]
        if len(stamps) < self.limit:
            stamps.append(now)
            return 0.0, now
        return min(stamps) + self.window - now, None

    def wait(self):
        """Block until the budget has room, take a slot and return it (to hand to settle())."""
        while True:
            delay, slot = self._update(self._take)
            if not delay:
                return slot
            self._sleep(min(delay, self.window) + 0.001)

    def settle(self, slot):
        """Move a slot taken by wait() to now, once the request has been answered (or has failed)."""
        def move(stamps, now):
            if slot in stamps:
                stamps.remove(slot)
            stamps.append(now)  # never later than now: after a step back, max(now, slot) would be in the future
        self._update(move)


class Transport(object):
    """Sends requests for one connection, with the retry policy described in the module docstring."""

    def __init__(self, settings, sleep=time.sleep, jitter=random.uniform, pacer=None, clock=time.time):
        self.settings = settings
        self._session = None
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self.pacer = pacer  # one pacer for every request (tests); False: none; None: one per API version
        self._limit = rate_limit_from_env() if pacer is None else None
        self._pacers = {}

    def pacer_for(self, url):
        """The pacer of the budget a request to url counts against (per client id and API version), or None."""
        if self.pacer is not None:
            return self.pacer or None
        if not self._limit:
            return None
        settings = self.settings
        path, base_path = _path_of(url), _path_of(settings.base_url)
        if base_path and path.startswith(base_path + '/'):
            path = path[len(base_path):]  # an API behind a path prefix (a proxy or a vanity URL)
        version = api_version_of(path)
        if version not in self._pacers:
            directory = (settings.token_cache_dir or default_state_dir()) if settings.token_cache else None
            self._pacers[version] = RequestPacer(directory, '%s|%s|%s' % (settings.base_url, self._who(), version),
                                                 self._limit[0], self._limit[1], clock=self._clock, sleep=self._sleep)
        return self._pacers[version]

    def _who(self):
        """The client id ISC counts requests under; for a bearer token given as is, the one it was issued to."""
        settings = self.settings
        if settings.client_id:
            return settings.client_id
        try:
            client_id = decode_unverified(settings.access_token)[1].get('client_id')
        except IscError:
            client_id = None  # an opaque token: a budget of its own
        if isinstance(client_id, str) and client_id:
            return client_id
        return hashlib.sha256((settings.access_token or '').encode('utf-8')).hexdigest()

    @property
    def session(self):
        """One connection-reusing session, made when the first request is sent."""
        if self._session is None:
            session = load_requests().Session()
            session.headers.update({'User-Agent': USER_AGENT, 'Accept': 'application/json'})
            self._session = session
        return self._session

    @session.setter
    def session(self, value):
        self._session = value

    def close(self):
        if self._session is not None:
            self._session.close()

    def _backoff(self, attempt):
        return self._jitter(0, min(BACKOFF_CAP, BACKOFF_BASE * (2 ** attempt)))

    def _paced(self, pacer, request, *args, **kwargs):
        if not pacer:
            return request(*args, **kwargs)
        slot = pacer.wait()
        try:
            return request(*args, **kwargs)
        finally:
            pacer.settle(slot)

    def send(self, method, url, params=None, json_body=None, data=None, headers=None, idempotent=None):
        """Send one logical request, retrying as allowed; return the final response (any status)."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        settings = self.settings
        # Every URL, not only the configured ones: a JWK set URL is checked the same way.
        check_transport_security(url, 'URL', settings.allow_insecure_http)
        secrets = settings.secret_values()
        attempts = settings.max_retries + 1
        pacer = self.pacer_for(url)
        session = self.session
        requests_exceptions = load_requests().exceptions
        body = None
        if json_body is not None:
            body = json.dumps(json_body)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._paced(
                    pacer, session.request, method, url, params=params, data=body if body is not None else data,
                    headers=headers, timeout=settings.timeout, verify=settings.verify, allow_redirects=False)
            except requests_exceptions.SSLError as exc:
                raise IscError(redact(
                    'TLS error talking to %s: %s. If the server uses a private CA, set ca_path to its PEM '
                    'bundle (or ISC_CA_PATH); validate_certs: false disables verification and is not recommended'
                    % (url, _reason(exc)), secrets), method=method, url=url)
            except (requests_exceptions.ConnectTimeout, requests_exceptions.ConnectionError,
                    requests_exceptions.Timeout) as exc:
                not_sent = _not_sent(exc)
                if not not_sent and not idempotent:
                    raise IscOutcomeUnknownError(redact(
                        '%s %s: the connection failed after the request was sent (%s), so it is unknown whether '
                        'ISC applied it; it was not repeated to avoid a duplicate' % (method, url, _reason(exc)),
                        secrets), method=method, url=url)
                if last:
                    raise IscError(redact('%s %s failed after %d attempt(s): %s' % (
                        method, url, attempts, _reason(exc)), secrets), method=method, url=url)
                self._sleep(self._backoff(attempt))
                continue

            status = response.status_code
            retryable = status == 429 or status == 503 or (status in (502, 504) and idempotent)
            if status in (502, 504) and not idempotent:
                raise IscOutcomeUnknownError(redact(
                    '%s %s: ISC answered HTTP %s after the request was sent, so it is unknown whether it was '
                    'applied; it was not repeated to avoid a duplicate' % (method, url, status), secrets),
                    status=status, method=method, url=url, request_id=response.headers.get('SLPT-Request-ID'))
            if not retryable or last:
                return response
            delay = parse_retry_after(response.headers.get('Retry-After'))
            delay = self._backoff(attempt) if delay is None else min(delay, RETRY_AFTER_CAP)
            response.close()
            self._sleep(delay)
        raise AssertionError('unreachable')  # pragma: no cover


def _path_of(url):
    try:
        from urllib.parse import urlsplit
    except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
        from urlparse import urlsplit  # type: ignore
    return urlsplit(url).path


def _reason(exc):
    """A short reason from a requests exception, without the noise of nested reprs."""
    reason = exc
    while getattr(reason, 'args', None) and isinstance(reason.args[0], Exception):
        reason = reason.args[0]
    inner = getattr(reason, 'reason', None)
    if isinstance(inner, Exception):
        reason = inner
    text = str(reason)
    return text or type(reason).__name__


def _not_sent(exc):
    """True when the request certainly never reached the server (the connection was never opened)."""
    if isinstance(exc, load_requests().exceptions.ConnectTimeout):
        return True
    seen = exc
    for _depth in range(5):
        name = type(seen).__name__
        if name in ('NewConnectionError', 'NameResolutionError', 'ConnectTimeoutError'):
            return True
        nxt = getattr(seen, 'reason', None)
        if nxt is None and getattr(seen, 'args', None) and isinstance(seen.args[0], Exception):
            nxt = seen.args[0]
        if nxt is None:
            break
        seen = nxt
    return False
