# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    # Options of the modules that create credentials whose secret ISC shows once.
    DOCUMENTATION = r'''
notes:
  - A new credential is created under a provisional name, the final name followed by C( (creating <8 hex digits>))
    (C( (rotating <8 hex digits>)) for a replacement), and renamed to its final name only after its secret was
    delivered (written to O(secret_file), or returned by the task). A run that finds such a provisional object of
    the name it manages removes it, since its secret was never confirmed delivered, or adopts it when O(secret_file)
    already holds its id; RV(recovered) says which. Names ending like that are refused.
  - Writes under one name are serialised on the controller by a lock file next to the token cache, held from the
    look-up to the final rename. Concurrent runs from two controllers against one tenant are not supported.
options:
  secret_file:
    description:
      - Write the new credential to this file the moment ISC returns it, before the task returns and before anything
        is deleted or renamed. JSON with C(name), C(kind), C(client_id), C(client_secret), C(tenant), C(base_url),
        C(token_url) and C(created); written atomically, mode C(0600), in a directory made C(0700); never through a
        symbolic link.
      - When the file cannot be written, the new credential is deleted again and the task fails; a secret is never
        lost to a full disk or a wrong path.
      - A later run adopts a provisional object whose id this file holds, instead of deleting it.
    type: path
  planned_at:
    description:
      - For roles that plan many objects from one list call (the C(planned_at) of an item of the C(comparison) that
        M(sailpoint_isc.oauth.isc_oauth_client_info) returns), the time of that list. When no write under this name
        has started on this controller since, the task trusts that list and does not list again before creating.
      - Leave it unset when calling the module yourself.
    type: float
'''
