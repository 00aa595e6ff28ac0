# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs isc_oauth_client_info on the controller; the documentation and spec live in plugins/modules/isc_oauth_client_info.py."""

from __future__ import annotations

from ansible_collections.sailpoint_isc.oauth.plugins.modules.isc_oauth_client_info import SPEC
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils._isc_action import IscActionBase


class ActionModule(IscActionBase):
    spec = SPEC
