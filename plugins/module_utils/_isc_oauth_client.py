# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""ISC OAuth API clients as a resource type: fields, what ISC lets you patch, and the checks made before a write.

Declared here rather than in the module so that isc_oauth_client and isc_oauth_client_info share it on both
execution paths (a module process can only import module_utils).
"""

from __future__ import annotations

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_api import OAUTH_CLIENTS
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_resource import (
    Field,
    ResourceEngine,
    ResourceType,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_validate import (
    check_int32,
    check_list,
    check_name,
    check_redirect_uri,
    check_scope,
    check_text,
    check_url,
)

GRANT_TYPES = ('CLIENT_CREDENTIALS', 'AUTHORIZATION_CODE', 'REFRESH_TOKEN')


class OAuthClientEngine(ResourceEngine):
    """OAuth clients: validation before any request, and the redirect-URI rule of the authorization code grant."""

    def validate(self):
        super(OAuthClientEngine, self).validate()
        params = self.params
        if params['state'] == 'absent' and not (params['id'] or params['name']):
            raise IscOptionError('state=absent needs id or name to know which OAuth client to delete')
        check_name(params['name'])
        check_text(params['description'], 'description')
        check_text(params['business_name'], 'business_name', allow_empty=True)
        check_int32(params['access_token_validity_seconds'], 'access_token_validity_seconds', minimum=1)
        check_int32(params['refresh_token_validity_seconds'], 'refresh_token_validity_seconds', minimum=1)
        for option in ('grant_types', 'redirect_uris', 'scope'):
            check_list(params[option], option)
        for uri in params['redirect_uris'] or []:
            check_redirect_uri(uri, 'redirect_uris item')
        if params['homepage_url']:
            check_url(params['homepage_url'], 'homepage_url')
        for scope in params['scope'] or []:
            check_scope(scope, 'scope item')
        if params['scope'] == []:
            raise IscOptionError('scope must name at least one scope; leave scope unset for ISC\'s default '
                                 '(sp:scopes:all). An empty list cannot be told apart from "not set" once ISC has '
                                 'stored it, so it would never be idempotent')
        if params['grant_types'] is not None and not params['grant_types'] and params['state'] == 'present':
            raise IscOptionError('grant_types must name at least one grant type')
        if 'AUTHORIZATION_CODE' in (params['grant_types'] or []) and params['redirect_uris'] == []:
            raise IscOptionError('grant_types includes AUTHORIZATION_CODE, which needs at least one redirect URI '
                                 'in redirect_uris')

    def check_outcome(self, obj):
        if 'AUTHORIZATION_CODE' in (obj.get('grantTypes') or []) and not obj.get('redirectUris'):
            raise IscOptionError('The OAuth client %r would have the AUTHORIZATION_CODE grant type without a '
                                 'redirect URI; set redirect_uris' % (obj.get('name'),))


OAUTH_CLIENT = ResourceType(
    label='OAuth client',
    service=OAUTH_CLIENTS,
    result_key='oauth_client',
    fields=[
        Field('name', 'name', required=True),
        Field('description', 'description', required=True),
        Field('business_name', 'businessName'),
        Field('homepage_url', 'homepageUrl'),
        Field('access_token_validity_seconds', 'accessTokenValiditySeconds', 'int', required=True),
        Field('refresh_token_validity_seconds', 'refreshTokenValiditySeconds', 'int'),
        Field('redirect_uris', 'redirectUris', 'set'),
        Field('grant_types', 'grantTypes', 'set', required=True, choices=GRANT_TYPES),
        Field('access_type', 'accessType', required=True, choices=('ONLINE', 'OFFLINE')),
        Field('type', 'type', patchable=False, choices=('CONFIDENTIAL', 'PUBLIC')),
        Field('internal', 'internal', 'bool', patchable=False),
        Field('enabled', 'enabled', 'bool', required=True),
        Field('strong_auth_supported', 'strongAuthSupported', 'bool'),
        Field('claims_supported', 'claimsSupported', 'bool'),
        Field('scope', 'scope', 'set', patchable=False),
    ],
    credential_kind='api_client',
    engine_class=OAuthClientEngine,
    recreate_warning='The OAuth client is being replaced: it gets a new id and a new secret, and credentials of '
                     'the old client stop working once the new secret is delivered.',
)


# The options of isc_oauth_client that describe one client; also the item spec of compare_with in the _info module.
OAUTH_CLIENT_EXTRA_OPTIONS = dict(recreate=dict(type='bool', default=False))
