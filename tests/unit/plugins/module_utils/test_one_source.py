"""Facts written in two places must agree: the environment table and the doc fragments, the version and galaxy.yml."""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.sailpoint_isc.oauth.plugins.doc_fragments import auth, connection
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import COLLECTION_VERSION, USER_AGENT
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import (
    ENV_RESOLVED,
    ENVIRONMENT,
    connection_argument_spec,
)

ROOT = Path(__file__).resolve().parents[4]


def plugin_environment():
    """option -> env names, as the lookup reads them (the plugin part of the doc fragments)."""
    found = {}
    for fragment in (connection.ModuleDocFragment, auth.ModuleDocFragment):
        for option, spec in yaml.safe_load(fragment.PLUGINS)['options'].items():
            if spec.get('env'):
                found[option] = tuple(entry['name'] for entry in spec['env'])
    return found


def test_modules_and_the_lookup_read_the_same_environment_variables():
    assert plugin_environment() == ENVIRONMENT


def test_module_fallbacks_come_from_the_table():
    spec = connection_argument_spec()
    for option, names in ENVIRONMENT.items():
        if option in ENV_RESOLVED:
            assert 'fallback' not in spec[option], option  # resolved with its rival, see resolve_connection()
        else:
            assert list(spec[option]['fallback'][1]) == list(names), option
    assert set(name for name, option in spec.items() if 'fallback' in option) | set(ENV_RESOLVED) == set(ENVIRONMENT)


def test_the_user_agent_names_the_version_of_galaxy_yml():
    galaxy = yaml.safe_load((ROOT / 'galaxy.yml').read_text())
    assert COLLECTION_VERSION == galaxy['version'] and USER_AGENT.endswith('/' + galaxy['version'])
