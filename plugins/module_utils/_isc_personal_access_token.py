# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""ISC personal access tokens (PATs) as a resource type, and their safe rotation.

The rules come from SailPoint's PAT API documentation and differ by API version:

* v1, v2025, v2026: a PAT without ``expirationDate`` never expires, and then
  ``userAwareTokenNeverExpires`` must be true; a given date must be in the
  future, with no upper limit. name, scope, expirationDate and
  userAwareTokenNeverExpires can be patched.
* v3, beta, v2024: a PAT expires at most 6 months after creation (that is also
  the default) and ``userAwareTokenNeverExpires`` does not exist; only name and
  scope can be patched.

Everywhere: names are unique per owner, at most 10 PATs per user, access token
validity 15-43200 s (not patchable), and only the owner can create or patch a
PAT (an admin can list and delete anyone's).
"""

from __future__ import annotations

import datetime

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_api import PERSONAL_ACCESS_TOKENS
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError, IscOptionError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_resource import (
    Field,
    ResourceEngine,
    ResourceType,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_token import describe
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_validate import (
    check_int32,
    check_list,
    check_name,
    check_scope,
    format_datetime,
    parse_datetime,
)

LEGACY_EXPIRY_VERSIONS = ('v3', 'beta', 'v2024')
MAX_TOKENS_PER_USER = 10
MIN_VALIDITY, MAX_VALIDITY = 15, 43200
LEGACY_MAX_MONTHS = 6
DEFAULT_SCOPE = ['sp:scopes:all']
SCOPE_DELAY_WARNING = ('Scope changes of a personal access token can take up to 20 minutes to reach new bearer '
                       'tokens; bearer tokens already issued keep their scopes.')
NEVER_EXPIRES_RULE = ('ISC rule (API version %s): when expirationDate is null or omitted, the token never expires '
                      'and userAwareTokenNeverExpires must be true')


def add_months(moment, months):
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError('cannot add %d months to %s' % (months, moment))  # pragma: no cover


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


class PersonalAccessTokenEngine(ResourceEngine):
    """PATs: expiry rules per API version, owner scope, the per-user limit, and rotation (regenerate)."""

    @property
    def has_never_expires_flag(self):
        return self.api_version not in LEGACY_EXPIRY_VERSIONS

    def owner_is_caller(self):
        owner = self.params.get('owner_id') or 'me'
        if owner == 'me':
            return True
        return owner == describe(self.client.token().access_token).get('identity_id')

    def validate(self):
        super(PersonalAccessTokenEngine, self).validate()
        params = self.params
        version = self.api_version
        if params['state'] == 'absent' and not (params['id'] or params['name']):
            raise IscOptionError('state=absent needs id or name to know which personal access token to delete')
        if params.get('owner_id') == 'all':
            raise IscOptionError('owner_id=all is only meaningful for isc_personal_access_token_info; name one owner '
                                 '(me, or an identity id)')
        check_name(params['name'])
        check_int32(params['access_token_validity_seconds'], 'access_token_validity_seconds', MIN_VALIDITY,
                    MAX_VALIDITY)
        check_list(params['scope'], 'scope')
        for scope in params['scope'] or []:
            check_scope(scope, 'scope item')
        if params['scope'] == []:
            raise IscOptionError('scope must name at least one scope (ISC grants sp:scopes:all when scope is not set)')
        flag = params['user_aware_token_never_expires']
        if flag is not None and not self.has_never_expires_flag:
            raise IscOptionError('user_aware_token_never_expires does not exist in API version %s (only in v1, '
                                 'v2025 and v2026); there, tokens expire at most %d months after creation'
                                 % (version, LEGACY_MAX_MONTHS))
        if params['expiration_date'] is not None:
            moment = parse_datetime(params['expiration_date'], 'expiration_date')
            now = now_utc()
            if moment <= now:
                raise IscOptionError('expiration_date %s is not in the future (ISC rule: expirationDate must be a '
                                     'future date-time)' % params['expiration_date'])
            if not self.has_never_expires_flag and moment > add_months(now, LEGACY_MAX_MONTHS):
                raise IscOptionError('expiration_date %s is more than %d months ahead (ISC rule, API version %s: '
                                     'expirationDate must be between now and 6 months from creation)'
                                     % (params['expiration_date'], LEGACY_MAX_MONTHS, version))
            if flag:
                raise IscOptionError('expiration_date and user_aware_token_never_expires=true contradict each '
                                     'other: a token with an expiration date does expire; set one of them')

    def list_params(self):
        owner = self.params.get('owner_id') or 'me'
        return {} if owner == 'all' else {'owner-id': owner}

    ineligible_reason = 'ISC marks it managed: another product manages its lifecycle'

    def eligible(self, obj):
        # Managed tokens belong to another product's lifecycle: never matched by name, so never adopted,
        # renamed, rotated or deleted by this module unless the task names their id.
        return not obj.get('managed')

    def patchable(self):
        if self.has_never_expires_flag:
            return {'name', 'scope', 'expirationDate', 'userAwareTokenNeverExpires'}
        return {'name', 'scope'}

    def desired(self):
        params = self.params
        result = {}
        for option, api in (('name', 'name'), ('scope', 'scope'),
                            ('access_token_validity_seconds', 'accessTokenValiditySeconds')):
            if params[option] is not None:
                result[api] = self.resource.field(option).to_api(params[option])
        if params['expiration_date'] is not None:
            result['expirationDate'] = format_datetime(parse_datetime(params['expiration_date'], 'expiration_date'))
            if self.has_never_expires_flag and params['user_aware_token_never_expires'] is False:
                result['userAwareTokenNeverExpires'] = False
        elif params['user_aware_token_never_expires'] is not None:
            result['userAwareTokenNeverExpires'] = params['user_aware_token_never_expires']
            if params['user_aware_token_never_expires']:
                result['expirationDate'] = None  # never expires: there must be no date
        return result

    def changes(self, current):
        changed = super(PersonalAccessTokenEngine, self).changes(current)
        if 'expirationDate' in changed and changed['expirationDate'] is None and self.has_never_expires_flag:
            # ISC's rule: a patch that removes the date carries userAwareTokenNeverExpires=true in the same patch,
            # even when the token already has the flag.
            changed['userAwareTokenNeverExpires'] = True
        return changed

    def create_body(self):
        body = dict(self.desired())
        body.setdefault('scope', list(DEFAULT_SCOPE))
        if body.get('expirationDate') is None:
            body.pop('expirationDate', None)
        return body

    def replacement_body(self, current):
        """The rotated token keeps the old one's name, scope, validity and expiry unless the task says otherwise."""
        body = self.merged_with(current)
        if not self.has_never_expires_flag:
            body.pop('userAwareTokenNeverExpires', None)
            if body.get('expirationDate') is None:
                raise IscOptionError(
                    'The personal access token %r never expires, and API version %s cannot create one that does '
                    'not: its replacement would expire 6 months from now. Use api_version v1 (or v2025, v2026) to '
                    'regenerate it as a token that never expires, or set expiration_date'
                    % (current.get('name'), self.api_version))
        elif body.get('expirationDate') is None:
            body['userAwareTokenNeverExpires'] = True
        else:
            body.pop('userAwareTokenNeverExpires', None)  # a token with a date does expire
        body = dict((k, v) for k, v in body.items() if v is not None)
        body.setdefault('scope', list(DEFAULT_SCOPE))
        return body

    def check_outcome(self, obj):
        if not self.owner_is_caller():
            raise IscOptionError(
                'Only the owner can create or change a personal access token: with owner_id %s this task can list '
                'and delete that identity\'s tokens (state=absent), not create, patch or regenerate them'
                % self.params['owner_id'])

    def before_create(self, body, replacing):
        if self.has_never_expires_flag and body.get('expirationDate') is None \
                and not body.get('userAwareTokenNeverExpires'):
            raise IscOptionError(
                'Creating the personal access token %r needs expiration_date, or user_aware_token_never_expires=true '
                'for a token that never expires (%s)' % (body.get('name'), NEVER_EXPIRES_RULE % self.api_version))
        # A rotation creates the replacement before deleting the old token, so it needs a free slot as well.
        existing = self.list_all()
        if len(existing) >= MAX_TOKENS_PER_USER:
            listed = sorted(existing, key=lambda t: (t.get('lastUsed') is not None, t.get('lastUsed') or ''))
            names = ', '.join('%s (last used %s)' % (t.get('name'), t.get('lastUsed') or 'never') for t in listed)
            raise IscError('%s the personal access token %r would exceed ISC\'s limit of %d personal access tokens '
                           'per user%s. Delete one first; the owner has, least recently used first: %s'
                           % ('Regenerating' if replacing else 'Creating', body.get('name'), MAX_TOKENS_PER_USER,
                              ' (a rotation creates the new token before it deletes the old one)' if replacing
                              else '', names))

    def patch_warnings(self, changes):
        return [SCOPE_DELAY_WARNING] if 'scope' in changes else []

    def decorate(self, view, now=None):
        """Computed fields of the _info module: never_expires, expires_in_days, days_since_last_used, age_days."""
        now = now or now_utc()
        expiry = view.get('expirationDate')
        token = dict(view)
        token['never_expires'] = expiry is None
        token['expires_in_days'] = None
        token['days_since_last_used'] = None
        token['age_days'] = None
        if token.get('created'):
            token['age_days'] = (now - parse_datetime(token['created'], 'created')).days
        if expiry:
            token['expires_in_days'] = (parse_datetime(expiry, 'expirationDate') - now).days
        if token.get('lastUsed'):
            token['days_since_last_used'] = (now - parse_datetime(token['lastUsed'], 'lastUsed')).days
        return token


PERSONAL_ACCESS_TOKEN = ResourceType(
    label='personal access token',
    service=PERSONAL_ACCESS_TOKENS,
    result_key='personal_access_token',
    fields=[
        Field('name', 'name', required=True),
        Field('scope', 'scope', 'set'),
        Field('access_token_validity_seconds', 'accessTokenValiditySeconds', 'int', patchable=False),
        Field('expiration_date', 'expirationDate', 'datetime'),
        Field('user_aware_token_never_expires', 'userAwareTokenNeverExpires', 'bool'),
    ],
    credential_kind='personal_access_token',
    engine_class=PersonalAccessTokenEngine,
    can_get_by_id=False,
    replace_option='regenerate',
    replace_on_request=True,
)


# Options of isc_personal_access_token beyond the token's fields.
PERSONAL_ACCESS_TOKEN_EXTRA_OPTIONS = dict(
    owner_id=dict(type='str', default='me'),
    regenerate=dict(type='bool', default=False),
)
