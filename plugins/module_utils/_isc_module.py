# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Runs an IscModuleSpec as an ordinary module process (the path for tasks that do not run on the controller)."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscDependencyError, IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_task import TaskContext, failure_result


def run_module(spec):
    module = AnsibleModule(argument_spec=spec.argument_spec, supports_check_mode=spec.supports_check_mode,
                           **spec.validation_rules)
    ctx = TaskContext(module.params, check_mode=module.check_mode, diff=module._diff)
    try:
        result = spec.execute(ctx)
    except IscDependencyError as exc:
        module.fail_json(msg=missing_required_lib(exc.library))
    except IscError as exc:
        for warning in ctx.warnings:
            module.warn(warning)
        module.no_log_values.update(exc.no_log_values)  # e.g. a password inside base_url, echoed in invocation
        module.fail_json(msg=str(exc), **failure_result(exc))
    for warning in result.pop('warnings', []):
        module.warn(warning)
    module.exit_json(**result)
