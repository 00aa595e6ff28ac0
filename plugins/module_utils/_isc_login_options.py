# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Keeps the login options of a task apart from the fields of the object it manages.

Every module takes the options it logs in with (``grant_type``, ``redirect_uri``...) next to its own, and
``isc_oauth_client`` manages API clients whose fields have nearly the same names (``grant_types``,
``redirect_uris``). A client field written with the login option's name would otherwise be taken as a login
option and fail with a message about the login, or, worse, be ignored. :func:`check_login_options` runs before
the arguments are validated, on the controller, for both execution paths and for the lookup.
"""

from __future__ import annotations

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import GRANT_TYPES

# Options that name the same thing in two ways. Where options come in layers (task, variables, environment), a
# layer that sets one of them claims the other too: a task's tenant wins over an inventory's isc_base_url
# instead of conflicting with it. Only values of the same layer can conflict.
RIVALS = {
    'base_url': ('tenant',),
    'tenant': ('base_url',),
    'access_token': ('client_id', 'client_secret'),
    'client_id': ('access_token',),
    'client_secret': ('access_token',),
}

# The grant types an API client can be allowed, as ISC spells them (isc_oauth_client's grant_types).
CLIENT_GRANT_TYPES = ('CLIENT_CREDENTIALS', 'AUTHORIZATION_CODE', 'REFRESH_TOKEN')

# Login inputs that only one grant uses, and the field of a managed object they are easily mistaken for.
GRANT_INPUTS = (
    ('refresh_token', 'refresh_token', None),
    ('code', 'authorization_code', None),
    ('redirect_uri', 'authorization_code', 'redirect_uris'),
    ('code_verifier', 'authorization_code', None),
)

# What check_login_options() looks at.
CHECKED_OPTIONS = ('grant_type',) + tuple(name for name, _used_by, _mistaken_for in GRANT_INPUTS)


def check_login_options(values, module_options=(), origins=None):
    """Raise IscOptionError when a login option looks like a field of the managed object, or is not used.

    ``values`` are the options as given (before validation); ``module_options`` the names of the module's own
    options, to point at the field that was probably meant; ``origins`` maps an option taken from a variable to
    that variable's name, so that the message says where to fix it.
    """
    origins = origins or {}

    def given(name):
        return 'the variable %s' % origins[name] if name in origins else name

    grant_type = values.get('grant_type')
    if grant_type is not None and not (isinstance(grant_type, str) and grant_type in GRANT_TYPES):
        looks_like_client_field = isinstance(grant_type, (list, tuple)) or (
            isinstance(grant_type, str) and grant_type.upper() in CLIENT_GRANT_TYPES)
        if looks_like_client_field:
            message = ('%s is %r, but grant_type is the OAuth grant this task logs in with (one of %s, lower case)'
                       % (given('grant_type'), grant_type, ', '.join(GRANT_TYPES)))
            if 'grant_types' in module_options:
                message += '; to set the grant types of the API client, use grant_types: %s' % (
                    _as_client_grant_types(grant_type),)
            raise IscOptionError(message)

    grant = grant_type if grant_type in GRANT_TYPES else GRANT_TYPES[0]
    for name, used_by, mistaken_for in GRANT_INPUTS:
        if values.get(name) is None or grant == used_by:
            continue
        message = ('%s is set, but it is used only with grant_type=%s and this task logs in with grant_type=%s: '
                   'remove it, or set grant_type: %s' % (given(name), used_by, grant, used_by))
        if mistaken_for and mistaken_for in module_options:
            message += '; for the %s of the API client, use %s (a list)' % (mistaken_for, mistaken_for)
        raise IscOptionError(message)


def _as_client_grant_types(grant_type):
    items = grant_type if isinstance(grant_type, (list, tuple)) else [grant_type]
    return '[%s]' % ', '.join(str(item).upper() for item in items)
