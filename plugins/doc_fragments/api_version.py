# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  api_version:
    description:
      - ISC API version to call.
      - V(v1) is the current per-service version, after the service name (C(/oauth-clients/v1),
        C(/personal-access-tokens/v1)).
      - V(v3), V(beta), V(v2024), V(v2025) and V(v2026) are the legacy paths, before the service name
        (C(/v3/oauth-clients), C(/v3/personal-access-tokens)), supported by ISC until Q2 2028.
    type: str
    choices: [v1, v3, beta, v2024, v2025, v2026]
    default: v1
'''
