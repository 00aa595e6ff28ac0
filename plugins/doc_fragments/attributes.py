# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
attributes:
  action_group:
    description: Use C(group/sailpoint_isc.oauth.isc) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - sailpoint_isc.oauth.isc
  platform:
    support: full
    platforms: posix
    description: Runs in-process on the controller when the task runs locally; otherwise as a module on the target.
  action:
    support: full
    description:
      - An action plugin of the same name takes the C(isc_*) variables and, for a local task without C(become) or
        C(async), runs the work in-process on the controller.
  async:
    support: full
    description: With C(async), the module runs in the background as an ordinary module process.
  become:
    support: full
    description: With C(become), the module runs as an ordinary module process, as the C(become_user).
'''

    INFO_MODULE = r'''
attributes:
  check_mode:
    support: full
    description: Read-only; runs normally in check mode.
  diff_mode:
    support: N/A
    description: Read-only; there is nothing to diff.
'''

    RESOURCE_MODULE = r'''
attributes:
  check_mode:
    support: full
    description: No write request reaches ISC; the result predicts the outcome.
  diff_mode:
    support: full
    description: Shows the object before and after, with secrets masked.
'''
