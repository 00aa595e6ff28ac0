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
import uuid

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_api import PERSONAL_ACCESS_TOKENS
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import (
    IscError,
    IscOptionError,
    IscOutcomeUnknownError,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_resource import (
    PLACEHOLDER_ID,
    PLACEHOLDER_SECRET,
    Field,
    ResourceType,
    public_view,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_token import describe
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_validate import (
    check_list,
    check_name,
    check_positive,
    format_datetime,
    parse_datetime,
)

LEGACY_EXPIRY_VERSIONS = ('v3', 'beta', 'v2024')
MAX_TOKENS_PER_USER = 10
MIN_VALIDITY, MAX_VALIDITY = 15, 43200
LEGACY_MAX_MONTHS = 6
DEFAULT_SCOPE = ['sp:scopes:all']
ROTATING_MARK = ' (rotating '
SCOPE_DELAY_WARNING = ('Scope changes of a personal access token can take up to 20 minutes to reach new bearer '
                       'tokens; bearer tokens already issued keep their scopes.')
NEVER_EXPIRES_RULE = ('ISC rule (API version %s): when expirationDate is null or omitted, the token never expires '
                      'and userAwareTokenNeverExpires must be true')


def has_never_expires_flag(engine):
    return engine.api_version not in LEGACY_EXPIRY_VERSIONS


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


def owner_is_caller(engine):
    owner = engine.params.get('owner_id') or 'me'
    if owner == 'me':
        return True
    return owner == describe(engine.client.token().access_token).get('identity_id')


def validate(engine):
    params = engine.params
    version = engine.api_version
    if params['state'] == 'absent' and not (params['id'] or params['name']):
        raise IscOptionError('state=absent needs id or name to know which personal access token to delete')
    if params.get('owner_id') == 'all':
        raise IscOptionError('owner_id=all is only meaningful for isc_personal_access_token_info; name one owner '
                             '(me, or an identity id)')
    check_name(params['name'])
    check_positive(params['access_token_validity_seconds'], 'access_token_validity_seconds', MIN_VALIDITY,
                   MAX_VALIDITY)
    check_list(params['scope'], 'scope')
    if params['scope'] == []:
        raise IscOptionError('scope must name at least one scope (ISC grants sp:scopes:all when scope is not set)')
    flag = params['user_aware_token_never_expires']
    if flag is not None and not has_never_expires_flag(engine):
        raise IscOptionError('user_aware_token_never_expires does not exist in API version %s (only in v1, v2025 '
                             'and v2026); there, tokens expire at most %d months after creation'
                             % (version, LEGACY_MAX_MONTHS))
    if params['expiration_date'] is not None:
        moment = parse_datetime(params['expiration_date'], 'expiration_date')
        now = now_utc()
        if moment <= now:
            raise IscOptionError('expiration_date %s is not in the future (ISC rule: expirationDate must be a future '
                                 'date-time)' % params['expiration_date'])
        if not has_never_expires_flag(engine) and moment > add_months(now, LEGACY_MAX_MONTHS):
            raise IscOptionError('expiration_date %s is more than %d months ahead (ISC rule, API version %s: '
                                 'expirationDate must be between now and 6 months from creation)'
                                 % (params['expiration_date'], LEGACY_MAX_MONTHS, version))
        if flag:
            raise IscOptionError('expiration_date and user_aware_token_never_expires=true contradict each other: '
                                 'a token with an expiration date does expire; set one of them')


def wanted(engine):
    params = engine.params
    result = {}
    for option, api in (('name', 'name'), ('scope', 'scope'),
                        ('access_token_validity_seconds', 'accessTokenValiditySeconds')):
        if params[option] is not None:
            result[api] = engine.resource.field(option).to_api(params[option])
    if params['expiration_date'] is not None:
        result['expirationDate'] = format_datetime(parse_datetime(params['expiration_date'], 'expiration_date'))
        if has_never_expires_flag(engine) and params['user_aware_token_never_expires'] is False:
            result['userAwareTokenNeverExpires'] = False
    elif params['user_aware_token_never_expires'] is not None:
        result['userAwareTokenNeverExpires'] = params['user_aware_token_never_expires']
        if params['user_aware_token_never_expires']:
            result['expirationDate'] = None  # never expires: there must be no date
    return result


def create_body(engine, body):
    body = dict(body)
    body.setdefault('scope', list(DEFAULT_SCOPE))
    if body.get('expirationDate') is None:
        body.pop('expirationDate', None)
    return body


def check_outcome(engine, token):
    if not owner_is_caller(engine):
        raise IscOptionError(
            'Only the owner can create or change a personal access token: with owner_id %s this task can list '
            'and delete that identity\'s tokens (state=absent), not create, patch or regenerate them'
            % engine.params['owner_id'])


def before_create(engine, body):
    if has_never_expires_flag(engine) and body.get('expirationDate') is None \
            and not body.get('userAwareTokenNeverExpires'):
        raise IscOptionError(
            'Creating the personal access token %r needs expiration_date, or user_aware_token_never_expires=true '
            'for a token that never expires (%s)' % (body.get('name'), NEVER_EXPIRES_RULE % engine.api_version))
    existing = [t for t in engine.list_all() if t.get('id') != engine.params.get('id')]
    if len(existing) >= MAX_TOKENS_PER_USER:
        listed = sorted(existing, key=lambda t: (t.get('lastUsed') is not None, t.get('lastUsed') or ''))
        names = ', '.join('%s (last used %s)' % (t.get('name'), t.get('lastUsed') or 'never') for t in listed)
        raise IscError('Creating the personal access token %r would exceed ISC\'s limit of %d personal access '
                       'tokens per user. Delete one first; the owner has, oldest use first: %s'
                       % (body.get('name'), MAX_TOKENS_PER_USER, names))


def patchable(engine):
    if has_never_expires_flag(engine):
        return ('name', 'scope', 'expirationDate', 'userAwareTokenNeverExpires')
    return ('name', 'scope')


def list_params(engine):
    owner = engine.params.get('owner_id') or 'me'
    return {} if owner == 'all' else {'owner-id': owner}


def adopt_interrupted_rotation(engine, tokens):
    """A token left under its temporary name by an interrupted rotation is the token of that name."""
    name = engine.params.get('name')
    if not name:
        return None
    leftovers = [t for t in tokens if (t.get('name') or '').startswith(name[:200] + ROTATING_MARK)]
    if len(leftovers) == 1:
        engine.ctx.warn('Found the personal access token %r left by an interrupted rotation of %r; it is renamed '
                        'back.' % (leftovers[0]['name'], name))
        return leftovers[0]
    return None


def rotate(engine, current):
    """Replace a PAT by a new one with the same name, without a moment where the name is missing.

    New token under a temporary name -> delete the old one -> rename the new one. Whatever fails, exactly one
    usable token is left, and the error says which.
    """
    check_outcome(engine, current)
    label = current.get('name')
    body = engine.merged_with(current)
    if not has_never_expires_flag(engine):
        body.pop('userAwareTokenNeverExpires', None)
    elif body.get('expirationDate') is None:
        body['userAwareTokenNeverExpires'] = True
    body = create_body(engine, body)
    temporary = '%s%s%s)' % (label[:200], ROTATING_MARK, uuid.uuid4().hex[:8])
    before_create(engine, dict(body, name=label))
    after_view = dict(body, id=PLACEHOLDER_ID, name=label)
    if engine.ctx.check_mode:
        return engine.build_result(True, current, after_view, client_id=PLACEHOLDER_ID,
                                   client_secret=PLACEHOLDER_SECRET)

    try:
        new = engine.client.post(engine.collection, dict(body, name=temporary))
    except IscOutcomeUnknownError as exc:
        strays = [t for t in engine.list_all(refresh=True) if t.get('name') == temporary]
        for stray in strays:
            engine.client.delete(engine.item(stray['id']))
        raise IscError('Rotation of the personal access token %r was aborted: the answer to creating its '
                       'replacement was lost (%s). The replacement was removed; the old token (id %s) is unchanged '
                       'and still usable.' % (label, exc.message, current['id']))
    secret = new.get('secret')

    try:
        engine.client.delete(engine.item(current['id']))
    except IscError as exc:
        try:
            engine.client.delete(engine.item(new['id']))
        except IscError as cleanup:
            raise IscError(
                'Rotation of the personal access token %r failed: the old token (id %s) could not be deleted '
                '(%s), and neither could its replacement %r (id %s) (%s). Both are usable; the secret of the '
                'replacement is returned as client_secret. Delete one of them.'
                % (label, current['id'], exc.message, temporary, new['id'], cleanup.message),
                result=dict(client_id=new['id'], client_secret=secret))
        raise IscError('Rotation of the personal access token %r was aborted: the old token (id %s) could not be '
                       'deleted (%s). Its replacement was removed; the old token is unchanged and still usable.'
                       % (label, current['id'], exc.message))

    try:
        renamed = engine.client.patch(engine.item(new['id']), [dict(op='replace', path='/name', value=label)])
    except IscError as exc:
        raise IscError(
            'Rotation of the personal access token %r is incomplete: the old token was deleted and the new one '
            '(id %s) is usable, but renaming it from %r failed (%s). Its secret is returned as client_secret; '
            'run the task again without regenerate, which renames it.'
            % (label, new['id'], temporary, exc.message),
            result=dict(client_id=new['id'], client_secret=secret,
                        personal_access_token=public_view(engine.resource, new)))
    return engine.build_result(True, current, renamed or dict(new, name=label), client_id=new['id'],
                               client_secret=secret)


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
    can_get_by_id=False,
    validate=validate,
    wanted=wanted,
    create_body=create_body,
    check_outcome=check_outcome,
    before_create=before_create,
    patchable=patchable,
    list_params=list_params,
    replace=rotate,
    replace_option='regenerate',
    replace_on_request=True,
    patch_warnings={'scope': SCOPE_DELAY_WARNING},
    adopt=adopt_interrupted_rotation,
)


# Options of isc_personal_access_token beyond the token's fields.
PERSONAL_ACCESS_TOKEN_EXTRA_OPTIONS = dict(
    owner_id=dict(type='str', default='me'),
    regenerate=dict(type='bool', default=False),
)


def decorate(engine, token, now=None):
    """Computed fields of the _info module: never_expires, expires_in_days, days_since_last_used, age_days."""
    now = now or now_utc()
    expiry = token.get('expirationDate')
    token = dict(token)
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
