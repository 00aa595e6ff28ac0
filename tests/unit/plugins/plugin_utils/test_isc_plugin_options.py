"""Plugin options are checked as strictly as module options, wherever they come from.

Ansible's own conversion of plugin options turns any boolean it does not understand into false; for
validate_certs that silently disabled TLS verification in the lookup.
"""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils._isc_plugin_options import (
    PluginOptionAdapter,
    strict_typed_options,
)

DEFINITIONS = {
    'validate_certs': dict(type='bool', default=True, env=[dict(name='ISC_VALIDATE_CERTS')],
                           vars=[dict(name='isc_validate_certs')],
                           ini=[dict(section='sailpoint_isc', key='validate_certs')]),
    'timeout': dict(type='int', default=30, vars=[dict(name='isc_timeout')],
                    ini=[dict(section='sailpoint_isc', key='timeout')]),
    'base_url': dict(type='str', env=[dict(name='SAIL_BASE_URL')]),
}


def check(direct=None, variables=None, environ=None, ini=None, tmp_path=None):
    config_file = None
    if ini is not None:
        config_file = str(tmp_path / 'ansible.cfg')
        with open(config_file, 'w') as handle:
            handle.write('[sailpoint_isc]\n' + ini)
    return strict_typed_options(DEFINITIONS, direct or {}, variables or {}, environ or {}, config_file)


@pytest.mark.parametrize('source, message', [
    (dict(direct=dict(validate_certs='ture')), "validate_certs from the lookup keyword validate_certs is 'ture'"),
    (dict(variables=dict(isc_validate_certs='enabled')), "from the variable isc_validate_certs is 'enabled'"),
    (dict(environ=dict(ISC_VALIDATE_CERTS='sometimes')), "from the environment variable ISC_VALIDATE_CERTS"),
    (dict(ini='validate_certs = ture\n'), "from the key validate_certs in the [sailpoint_isc] section of"),
    (dict(ini='validate_certs = "true"\n'), "is '\"true\"'"),  # Ansible reads this as false
])
def test_a_boolean_that_is_not_a_boolean_is_an_error_naming_the_option_and_its_origin(source, message, tmp_path):
    with pytest.raises(IscOptionError) as info:
        check(tmp_path=tmp_path, **source)
    assert message in str(info.value) and 'which is not a boolean: use true or false' in str(info.value)


@pytest.mark.parametrize('source, message', [
    (dict(direct=dict(timeout='abc')), "timeout from the lookup keyword timeout is 'abc', which is not a whole"),
    (dict(direct=dict(timeout=True)), 'is True, which is not a whole number'),
    (dict(direct=dict(timeout=2.5)), 'is 2.5'),
    (dict(variables=dict(isc_timeout='1e12')), "from the variable isc_timeout is '1e12'"),
    (dict(ini='timeout = 30s\n'), "from the key timeout in the [sailpoint_isc] section"),
])
def test_an_integer_that_is_not_a_whole_number_is_an_error(source, message, tmp_path):
    with pytest.raises(IscOptionError, match='which is not a whole number') as info:
        check(tmp_path=tmp_path, **source)
    assert message in str(info.value)


def test_valid_values_are_converted_and_unset_ones_take_their_default(tmp_path):
    assert check(direct=dict(validate_certs='no', timeout='45')) == dict(validate_certs=False, timeout=45)
    assert check(variables=dict(isc_validate_certs='yes'), ini='timeout = 12\n', tmp_path=tmp_path) == dict(
        validate_certs=True, timeout=12)
    assert check(environ=dict(ISC_VALIDATE_CERTS='0')) == dict(validate_certs=False, timeout=30)
    assert check() == dict(validate_certs=True, timeout=30)


def test_precedence_is_ansibles_and_only_the_value_in_effect_is_checked(tmp_path):
    # The keyword wins over a bad variable, the variable over the environment, the environment over ansible.cfg.
    assert check(direct=dict(validate_certs=True), variables=dict(isc_validate_certs='enabled'))[
        'validate_certs'] is True
    assert check(variables=dict(isc_validate_certs=False), environ=dict(ISC_VALIDATE_CERTS='ture'))[
        'validate_certs'] is False
    assert check(environ=dict(ISC_VALIDATE_CERTS='true'), ini='validate_certs = ture\n', tmp_path=tmp_path)[
        'validate_certs'] is True


def test_an_empty_environment_variable_counts_as_unset():
    """Ansible reads ISC_VALIDATE_CERTS='' (what AWX injects for an empty input) as false: verification off."""
    assert check(environ=dict(ISC_VALIDATE_CERTS=''))['validate_certs'] is True


class FakePlugin(object):
    """What the adapter asks of a plugin: Ansible's (lenient) value and its origin."""

    def __init__(self, options):
        self.options = options  # {name: (value, origin)}

    def get_option(self, name):
        return self.options[name][0]

    def get_option_and_origin(self, name, hostvars=None):
        return self.options[name]


def test_adapter_reads_an_option_from_an_empty_environment_variable_as_unset():
    """Ansible resolves ISC_CA_PATH='' (type path) to the current directory; the modules see no value."""
    plugin = FakePlugin({'ca_path': ('/current/dir', 'env: ISC_CA_PATH'),
                         'token_cache_dir': ('/from/env', 'env: ISC_TOKEN_CACHE_DIR'),
                         'tenant': ('acme', 'var: isc_tenant')})
    adapter = PluginOptionAdapter(plugin, environ={'ISC_CA_PATH': '', 'ISC_TOKEN_CACHE_DIR': '/from/env'})
    assert adapter.get('ca_path') is None
    assert adapter.get('token_cache_dir') == '/from/env'
    assert adapter.get('tenant') == 'acme'
    checked = PluginOptionAdapter(plugin, checked={'ca_path': '/checked'}, environ={'ISC_CA_PATH': ''})
    assert checked.get('ca_path') == '/checked'


def test_a_long_bad_value_is_shortened_in_the_message():
    with pytest.raises(IscOptionError) as info:
        check(direct=dict(validate_certs='x' * 500))
    assert len(str(info.value)) < 200
