"""AWX / AAP: the credential type as AWX injects it, jobs run the way AWX runs them (ansible-runner), the registration
example of the AWX guide."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

import pytest
import yaml
from jinja2 import sandbox

from conftest import files_text
from isc_playbook_runner import ADMIN, BIN, ROOT

pytestmark = pytest.mark.integration

CREDENTIAL_TYPE = ROOT / 'playbooks' / 'awx' / 'isc_credential_type.yml'
AWX_GUIDE = ROOT / 'docs' / 'docsite' / 'rst' / 'awx.rst'


def credential_type():
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


def awx_inject(inputs, private_data_dir):
    """The environment AWX gives a job for a credential of our type with these inputs.

    Follows AWX's CredentialType.inject_credential (awx/main/models/credential/__init__.py): templates rendered in a
    sandboxed Jinja2 environment; inputs that are empty strings are left out of the namespace (so they render as
    ''); a boolean input missing from the credential is False; each `template.<label>` file injector is written to a
    new file under <private_data_dir>/env and its path offered as tower.filename.<label>.
    """
    ctype = credential_type()

    class Namespace(object):
        pass

    tower = Namespace()
    namespace = {'tower': tower}
    for name, value in inputs.items():
        if isinstance(value, bool) or len(value):
            namespace[name] = value
    for field in ctype['inputs']['fields']:
        if field['type'] == 'boolean' and field['id'] not in inputs:
            namespace[field['id']] = False
    jinja = sandbox.ImmutableSandboxedEnvironment()
    env_dir = Path(private_data_dir) / 'env'
    env_dir.mkdir(parents=True, exist_ok=True)
    for label, template in ctype['injectors'].get('file', {}).items():
        handle, path = tempfile.mkstemp(dir=str(env_dir))
        with os.fdopen(handle, 'w') as stream:
            stream.write(jinja.from_string(template).render(**namespace))
        if not hasattr(tower, 'filename'):
            tower.filename = Namespace()
        setattr(tower.filename, label.split('.', 1)[1], path)
    return dict((name, jinja.from_string(template).render(**namespace))
                for name, template in ctype['injectors']['env'].items())


def ansible_doc(plugin_type, names):
    """{name: documentation} of the plugins of plugin_type named, from one ansible-doc run."""
    completed = subprocess.run([str(BIN / 'ansible-doc'), '--json', '-t', plugin_type] + list(names),
                               capture_output=True, text=True, check=True)
    documents = json.loads(completed.stdout)
    return dict((name, documents[name]['doc']) for name in names)


def modules_with_connection_options(collections_path):
    modules = sorted(p.stem for p in (collections_path / 'ansible_collections' / 'sailpoint_isc' / 'oauth' /
                                      'plugins' / 'modules').glob('isc_*.py'))
    return ['sailpoint_isc.oauth.' + name for name in modules]


def test_every_injected_variable_is_read_by_the_lookup_and_the_modules(collections_path, monkeypatch):
    """Each env injector feeds a documented option: the lookup's `env:` entries and the modules' E(...) text.

    Both come from the installed collection's own documentation (its doc fragments), not from a list here.
    """
    monkeypatch.setenv('ANSIBLE_COLLECTIONS_PATH', str(collections_path))
    lookup = 'sailpoint_isc.oauth.isc_access_token'
    lookup_options = ansible_doc('lookup', [lookup])[lookup]['options']
    option_by_env = dict((entry['name'], option) for option, spec in lookup_options.items()
                         for entry in spec.get('env') or [])
    injected = credential_type()['injectors']['env']
    unread = sorted(set(injected) - set(option_by_env))
    assert not unread, 'injected but read by no option of the lookup: %s' % unread
    modules = dict((name, doc['options'])
                   for name, doc in ansible_doc('module', modules_with_connection_options(collections_path)).items())
    for variable in injected:
        option = option_by_env[variable]
        with_option = dict((name, options[option]) for name, options in modules.items() if option in options)
        assert with_option, 'no module has the option %s that %s feeds' % (option, variable)
        for name, spec in with_option.items():
            assert 'E(%s)' % variable in json.dumps(spec['description']), (
                '%s does not document reading %s for its option %s' % (name, variable, option))


def test_credential_type_inputs_and_injectors_match():
    ctype = credential_type()
    fields = dict((f['id'], f) for f in ctype['inputs']['fields'])
    assert set(fields) == {'base_url', 'tenant', 'client_id', 'client_secret', 'ca_bundle', 'validate_certs'}
    assert fields['client_secret'].get('secret') is True
    assert fields['ca_bundle'].get('multiline') is True
    # AWX renders a boolean missing from a credential as false: a defaulted validate_certs would switch
    # verification off for every credential created through the API without it.
    assert 'validate_certs' in ctype['inputs']['required']
    templates = json.dumps(ctype['injectors'])
    unused = [name for name in fields if not re.search(r'\b%s\b' % name, templates)]
    assert not unused, 'inputs no injector uses: %s' % unused


def test_injection_with_every_input(tmp_path):
    env = awx_inject(dict(tenant='acme', client_id='id', client_secret='secret', ca_bundle='-----PEM-----\n',
                          validate_certs=False), tmp_path)
    assert env['ISC_TENANT'] == 'acme' and env['SAIL_BASE_URL'] == ''
    assert Path(env['ISC_CA_PATH']).read_text() == '-----PEM-----\n'
    assert Path(env['ISC_CA_PATH']).parent == tmp_path / 'env'
    assert env['ISC_VALIDATE_CERTS'] == 'false'
    env = awx_inject(dict(base_url='https://x.example.com', client_id='id', client_secret='secret',
                          validate_certs=True), tmp_path)
    assert env['ISC_CA_PATH'] == '' and env['ISC_TENANT'] == '' and env['ISC_VALIDATE_CERTS'] == 'true'


class AwxJob(object):
    """One ansible-runner job laid out as AWX lays it out: project with its collections, inventory, injected env."""

    def __init__(self, tmp_path, collections_path, ident):
        self.data = tmp_path / ident
        self.ident = ident
        self.project = self.data / 'project'
        self.project.mkdir(parents=True)
        # As AWX does for a project's collections/requirements.yml: the collection sits next to the playbook.
        shutil.copytree(collections_path / 'ansible_collections',
                        self.project / 'collections' / 'ansible_collections')
        self.home = self.data / 'home'

    def run(self, playbook, inputs, extravars=None, limit=None):
        envvars = awx_inject(inputs, self.data)
        (self.data / 'env' / 'envvars').write_text(json.dumps(envvars))
        (self.data / 'env' / 'extravars').write_text(json.dumps(extravars or {}))
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('SAIL_', 'ISC_', 'ANSIBLE_')))
        env.update(HOME=str(self.home), PATH=str(BIN) + os.pathsep + env.get('PATH', ''))
        command = [str(BIN / 'ansible-runner'), 'run', str(self.data), '-p', playbook, '--ident', self.ident]
        if limit:
            command += ['--limit', limit]
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=600)
        self.output = completed.stdout + completed.stderr
        self.rc = completed.returncode
        artifacts = self.data / 'artifacts' / self.ident
        # Everything AWX stores and shows of a job: stdout and the job events. (ansible-runner's own 'command'
        # file records the environment it was given, i.e. the credential itself; AWX keeps that to itself.)
        self.shown = [self.output, (artifacts / 'stdout').read_text()] + files_text(artifacts / 'job_events')
        return self


def test_provisioning_through_ansible_runner_with_injected_credential(environments, collections_path, tmp_path):
    test = environments['isc_test']
    job = AwxJob(tmp_path, collections_path, 'job1')
    shutil.copy(ROOT / 'playbooks' / 'provision_api_clients.yml', job.project)
    # The AWX inventory names the environments only; the tenant and the credentials come from the credential.
    shutil.copytree(ROOT / 'playbooks' / 'inventory', job.data / 'inventory')
    main = job.data / 'inventory' / 'host_vars' / 'isc_test' / 'main.yml'
    main.write_text(re.sub(r'(?m)^isc_base_url: .*$', '', main.read_text()))
    secrets_dir = tmp_path / 'secrets'
    # No tenant and no CA bundle: AWX injects ISC_TENANT and ISC_CA_PATH as empty strings, which must mean "not set".
    job.run('provision_api_clients.yml',
            dict(base_url=test.base_url, client_id=ADMIN['client_id'], client_secret=ADMIN['client_secret'],
                 validate_certs=True),
            extravars=dict(api_clients_secrets_dir=str(secrets_dir)), limit='isc_test')
    assert job.rc == 0, job.output[-5000:]
    assert (job.data / 'artifacts' / 'job1' / 'rc').read_text().strip() == '0'
    names = sorted(c['name'] for c in test.emulator.state('test')['oauthClients'])
    assert names == ['app-ci-pipeline', 'app-portal', 'app-reporting']
    assert len(test.token_requests()) == 1
    assert environments['isc_dev'].requests() == [] and environments['isc_prod'].requests() == []
    secrets = [json.loads(p.read_text())['client_secret'] for p in (secrets_dir / 'isc_test').iterdir()]
    assert len(secrets) == 3
    assert len(job.shown) > 10
    for secret in secrets + [ADMIN['client_secret']]:
        assert not any(secret in text for text in job.shown), secret[:4]
    assert not any('eyJ' in text for text in job.shown)


# A job that needs a token twice: through the lookup and through a module. isc_token_url is set only by the
# tenant test (a tenant name points at *.api.identitynow.com, which a test cannot reach).
TOKEN_PLAYBOOK = textwrap.dedent('''\
    - name: Tokens from the injected credential
      hosts: localhost
      connection: local
      gather_facts: false
      vars:
        lookup_options: "{{ {'token_url': isc_token_url} if isc_token_url is defined else {} }}"
      tasks:
        - name: Through the lookup
          ansible.builtin.set_fact:
            lookup_token: "{{ lookup('sailpoint_isc.oauth.isc_access_token', return_full=true, **lookup_options) }}"
          no_log: true
        - name: Through a module
          sailpoint_isc.oauth.isc_token_info:
            token_url: "{{ isc_token_url | default(omit) }}"
          register: module_token
        - name: Show who they belong to
          ansible.builtin.debug:
            msg: "lookup {{ lookup_token.client_id }}, module {{ module_token.client_id }}"
    ''')


@pytest.fixture
def secure(tls_emulator):
    tls_emulator.reset('secure')
    return tls_emulator


def token_job(tmp_path, collections_path, ident, inputs, extravars=None):
    job = AwxJob(tmp_path, collections_path, ident)
    (job.project / 'tokens.yml').write_text(TOKEN_PLAYBOOK)
    (job.data / 'inventory').mkdir()
    (job.data / 'inventory' / 'hosts').write_text('localhost ansible_python_interpreter="{{ ansible_playbook_python }}"\n')
    credentials = dict(client_id=ADMIN['client_id'], client_secret=ADMIN['client_secret'])
    credentials.update(inputs)
    return job.run('tokens.yml', credentials, extravars=extravars)


def assert_both_got_tokens(job, emulator):
    assert job.rc == 0, job.output[-5000:]
    assert 'lookup %s, module %s' % (ADMIN['client_id'], ADMIN['client_id']) in job.output
    assert [r['path'] for r in emulator.requests('secure')] == ['/oauth/token']  # shared through the token cache
    assert not any(ADMIN['client_secret'] in text for text in job.shown)


def test_ca_bundle_input_verifies_the_https_tenant(secure, collections_path, tmp_path):
    pem = Path(secure.ca_path).read_text()
    job = token_job(tmp_path, collections_path, 'ca', dict(base_url=secure.base_urls['secure'], ca_bundle=pem,
                                                           validate_certs=True))
    assert_both_got_tokens(job, secure)


def test_without_ca_bundle_a_private_ca_is_refused(secure, collections_path, tmp_path):
    job = token_job(tmp_path, collections_path, 'noca', dict(base_url=secure.base_urls['secure'],
                                                             validate_certs=True))
    assert job.rc != 0
    assert 'ISC_CA_PATH' in job.output, job.output[-3000:]
    assert secure.requests('secure') == []  # the TLS handshake failed before any request


def test_validate_certs_input_turns_verification_off(secure, collections_path, tmp_path):
    job = token_job(tmp_path, collections_path, 'insecure', dict(base_url=secure.base_urls['secure'],
                                                                 validate_certs=False))
    assert_both_got_tokens(job, secure)


def test_tenant_input_names_the_tenant(secure, collections_path, tmp_path):
    # Only the tenant names the tenant (SAIL_BASE_URL is injected empty); the token endpoint is the emulator's.
    pem = Path(secure.ca_path).read_text()
    job = token_job(tmp_path, collections_path, 'tenant', dict(tenant='acme', ca_bundle=pem, validate_certs=True),
                    extravars=dict(isc_token_url=secure.base_urls['secure'] + '/oauth/token'))
    assert_both_got_tokens(job, secure)


def guide_yaml_blocks():
    """The YAML code blocks of the AWX guide, parsed."""
    blocks = re.findall(r'\.\. code-block:: yaml\n\n((?:  .*\n|\n)+)', AWX_GUIDE.read_text())
    return [yaml.safe_load(textwrap.dedent(block)) for block in blocks]


def test_registration_example_registers_this_credential_type():
    plays = [b for b in guide_yaml_blocks() if isinstance(b, list) and b and 'hosts' in b[0]]
    assert len(plays) == 1, 'the AWX guide should show one registration playbook'
    play = plays[0][0]
    tasks = dict((next(k for k in task if k.startswith('awx.awx.')), task) for task in play['tasks'])
    assert sorted(tasks) == ['awx.awx.credential', 'awx.awx.credential_type']
    registered = tasks['awx.awx.credential_type']['awx.awx.credential_type']
    for key in ('name', 'description', 'kind', 'inputs', 'injectors'):
        assert registered[key] == '{{ isc_credential_type.%s }}' % key
    assert "'/isc_credential_type.yml'" in play['vars']['isc_credential_type']
    assert tasks['awx.awx.credential']['awx.awx.credential']['inputs'] == '{{ credential.inputs }}'
    assert tasks['awx.awx.credential']['no_log'] is True


def test_example_credentials_use_the_inputs_of_the_type():
    examples = [b['isc_credentials'] for b in guide_yaml_blocks() if isinstance(b, dict) and 'isc_credentials' in b]
    assert examples, 'the AWX guide shows no isc_credentials example'
    ctype = credential_type()
    fields = set(f['id'] for f in ctype['inputs']['fields'])
    for credential in examples[0]:
        inputs = set(credential['inputs'])
        assert inputs <= fields, '%s: unknown inputs %s' % (credential['name'], sorted(inputs - fields))
        assert set(ctype['inputs']['required']) <= inputs, credential['name']
        assert len(inputs & {'base_url', 'tenant'}) == 1, credential['name']
