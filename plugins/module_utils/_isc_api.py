# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Where each ISC resource lives in each API version.

ISC moved from global versions (``/v3/oauth-clients``, ``/beta``, ``/v2024``..``/v2026``)
to per-service versions (``/oauth-clients/v1``). The legacy prefixes stay supported
until Q2 2028, so resource modules let users pick with ``api_version``.
"""

from __future__ import annotations

DEFAULT_API_VERSION = 'v1'
LEGACY_API_VERSIONS = ('v3', 'beta', 'v2024', 'v2025', 'v2026')
API_VERSIONS = (DEFAULT_API_VERSION,) + LEGACY_API_VERSIONS

OAUTH_CLIENTS = 'oauth-clients'
PERSONAL_ACCESS_TOKENS = 'personal-access-tokens'


def collection_path(service, api_version=DEFAULT_API_VERSION):
    """Path of a service's collection endpoint, e.g. /oauth-clients/v1 or /v3/oauth-clients."""
    if api_version not in API_VERSIONS:
        raise ValueError('api_version must be one of %s, not %r' % (', '.join(API_VERSIONS), api_version))
    if api_version == DEFAULT_API_VERSION:
        return '/%s/%s' % (service, api_version)
    return '/%s/%s' % (api_version, service)


def item_path(service, item_id, api_version=DEFAULT_API_VERSION):
    """Path of one object, e.g. /oauth-clients/v1/{id}."""
    from urllib.parse import quote
    return '%s/%s' % (collection_path(service, api_version), quote(str(item_id), safe=''))
