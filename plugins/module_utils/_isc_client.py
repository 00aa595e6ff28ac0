# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The ISC client every module and plugin uses: authenticated calls, re-auth once on 401, paging."""

from __future__ import annotations

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_auth import TokenProvider
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import (
    PAGE_SIZE,
    Transport,
    error_from_response,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import (
    normalize_base_url,
    resolve_connection,
)


class IscClient(object):
    """Calls one tenant as one principal."""

    def __init__(self, settings, transport=None, tokens=None):
        self.settings = settings
        self.transport = transport or Transport(settings)
        self.tokens = tokens or TokenProvider(settings, self.transport)

    @classmethod
    def from_options(cls, adapter, environ=None):
        return cls(resolve_connection(adapter, environ))

    @property
    def warnings(self):
        return self.tokens.warnings

    def token(self):
        return self.tokens.get()

    def url(self, path):
        return self.settings.base_url + path

    def request(self, method, path, params=None, json_body=None, json_patch=None, idempotent=None):
        """Send an authenticated request; return (parsed body or None, response). Raises IscError on >= 400."""
        method = method.upper()
        url = self.url(path)
        headers = {}
        body = json_body
        if json_patch is not None:
            headers['Content-Type'] = 'application/json-patch+json'
            body = json_patch
        elif json_body is not None:
            headers['Content-Type'] = 'application/json'
        token = self.tokens.get()
        response = self._send(method, url, params, body, headers, token, idempotent)
        if response.status_code == 401 and self.tokens.can_renew:
            # The token may have been revoked or the tenant clock may differ: get a new one, once.
            self.tokens.invalidate(token)
            response = self._send(method, url, params, body, headers, self.tokens.get(), idempotent)
        if response.status_code >= 400:
            raise error_from_response(response, method, url, self.settings.secret_values())
        if response.status_code == 204 or not response.content:
            return None, response
        try:
            return response.json(), response
        except ValueError:
            raise IscError('%s %s answered HTTP %s with a body that is not JSON' % (method, url, response.status_code),
                           status=response.status_code, method=method, url=url)

    def _send(self, method, url, params, body, headers, token, idempotent):
        headers = dict(headers, Authorization='Bearer ' + token.access_token)
        return self.transport.send(method, url, params=params, json_body=body, headers=headers,
                                   idempotent=idempotent)

    def get_public(self, path):
        """GET an endpoint of the tenant that needs no token, such as /oauth/info."""
        return self.get_absolute(self.url(path))

    def get_absolute(self, url):
        """GET a JSON document at any URL (a JWK set, say) with this connection's TLS settings and no token."""
        url = normalize_base_url(url, 'URL')
        response = self.transport.send('GET', url)
        if response.status_code >= 400:
            raise error_from_response(response, 'GET', url, self.settings.secret_values(), what='Request')
        try:
            return response.json()
        except ValueError:
            raise IscError('GET %s did not answer JSON' % url, status=response.status_code, method='GET', url=url)

    def get(self, path, params=None):
        return self.request('GET', path, params=params)[0]

    def post(self, path, body):
        return self.request('POST', path, json_body=body)[0]

    def patch(self, path, operations):
        # The JSON Patch documents the engine sends only replace/add/remove top-level fields,
        # so sending one twice has the same effect as once.
        return self.request('PATCH', path, json_patch=operations, idempotent=True)[0]

    def delete(self, path):
        return self.request('DELETE', path)[0]

    def paginate(self, path, params=None, page_size=PAGE_SIZE):
        """Every item of a list endpoint, sending only the parameters the operation declares.

        The published list operations of /oauth-clients and /personal-access-tokens declare only ``filters`` (and
        ``owner-id``), so the first request sends nothing else. ISC's general collection parameters still apply to
        a server that pages by default (at most 250 items, record offset): an answer of exactly page_size items,
        or an X-Total-Count above what came, may be a truncated first page, and only then are the next pages
        asked for with limit and offset. A server that ignores offset (the same items again) ends the loop.
        """
        items = []
        seen = set()
        query = dict(params or {})
        while True:
            page, response = self.request('GET', path, params=query)
            if not isinstance(page, list):
                raise IscError('GET %s did not answer a list' % self.url(path), method='GET', url=self.url(path))
            fresh = [item for item in page if not _seen_before(item, seen)]
            if query.get('offset') and not fresh:
                break  # offset ignored: the server sent a page seen already
            items.extend(fresh)
            total = _int_or_none(response.headers.get('X-Total-Count'))
            truncated = len(page) == page_size if total is None else len(items) < total
            if not truncated or not page:
                break
            query = dict(params or {}, limit=page_size, offset=len(items))
        return items

    def close(self):
        self.transport.close()


def _seen_before(item, seen):
    ident = item.get('id') if isinstance(item, dict) else None
    if ident is None:
        return False
    if ident in seen:
        return True
    seen.add(ident)
    return False


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
