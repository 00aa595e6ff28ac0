"""AWX / AAP: the provisioning playbook run the way AWX runs it (ansible-runner, credential env vars), and the EE."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import ADMIN, BIN, ROOT, files_text

pytestmark = pytest.mark.integration


def credential_type():
    return yaml.safe_load((ROOT / 'playbooks' / 'awx' / 'isc_credential_type.yml').read_text())


def injected_env(base_url):
    """Exactly what AWX injects for a credential of our type: its env injectors, rendered with the inputs."""
    inputs = dict(base_url=base_url, client_id=ADMIN['client_id'], client_secret=ADMIN['client_secret'])
    rendered = {}
    for name, template in credential_type()['injectors']['env'].items():
        rendered[name] = re.sub(r'\{\{\s*(\w+)\s*\}\}', lambda m: inputs[m.group(1)], template)
    return rendered


def test_credential_type_injects_what_the_collection_reads():
    ctype = credential_type()
    fields = dict((f['id'], f) for f in ctype['inputs']['fields'])
    assert fields['client_secret'].get('secret') is True
    assert set(ctype['inputs']['required']) == {'base_url', 'client_id', 'client_secret'}
    assert set(ctype['injectors']['env']) == {'SAIL_BASE_URL', 'SAIL_CLIENT_ID', 'SAIL_CLIENT_SECRET'}


def test_provisioning_through_ansible_runner_with_injected_credential(environments, collections_path, tmp_path):
    test = environments['isc_test']
    data = tmp_path / 'runner'
    project = data / 'project'
    project.mkdir(parents=True)
    shutil.copy(ROOT / 'playbooks' / 'provision_api_clients.yml', project)
    # As AWX does for a project's collections/requirements.yml: the collection sits next to the playbook.
    shutil.copytree(collections_path / 'ansible_collections', project / 'collections' / 'ansible_collections')
    # The AWX inventory names the environments only; the tenant and the credentials come from the credential.
    shutil.copytree(ROOT / 'playbooks' / 'inventory', data / 'inventory')
    main = data / 'inventory' / 'host_vars' / 'isc_test' / 'main.yml'
    main.write_text(re.sub(r'(?m)^isc_base_url: .*$', '', main.read_text()))
    (data / 'env').mkdir()
    (data / 'env' / 'envvars').write_text(json.dumps(injected_env(test.base_url)))
    secrets_dir = tmp_path / 'secrets'
    (data / 'env' / 'extravars').write_text(json.dumps(dict(api_clients_secrets_dir=str(secrets_dir))))
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('SAIL_', 'ISC_', 'ANSIBLE_')))
    env.update(HOME=str(tmp_path / 'home'), PATH=str(BIN) + os.pathsep + env.get('PATH', ''))
    completed = subprocess.run([str(BIN / 'ansible-runner'), 'run', str(data), '-p', 'provision_api_clients.yml',
                                '--limit', 'isc_test', '--ident', 'job1'],
                               env=env, capture_output=True, text=True, check=False, timeout=600)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-5000:]
    assert (data / 'artifacts' / 'job1' / 'rc').read_text().strip() == '0'
    names = sorted(c['name'] for c in test.emulator.state('test')['oauthClients'])
    assert names == ['app-ci-pipeline', 'app-portal', 'app-reporting']
    assert len(test.token_requests()) == 1
    assert environments['isc_dev'].requests() == [] and environments['isc_prod'].requests() == []
    secrets = [json.loads(p.read_text())['client_secret'] for p in (secrets_dir / 'isc_test').iterdir()]
    assert len(secrets) == 3
    # Everything AWX stores and shows of a job: stdout and the job events. (ansible-runner's own 'command' file
    # records the environment it was given, i.e. the credential itself; AWX keeps that to itself.)
    artifacts = data / 'artifacts' / 'job1'
    texts = [output, (artifacts / 'stdout').read_text()] + files_text(artifacts / 'job_events')
    assert len(texts) > 10
    for secret in secrets + [ADMIN['client_secret']]:
        assert not any(secret in text for text in texts), secret[:4]
    assert not any('eyJ' in text for text in texts)


def test_ansible_builder_create_and_introspect(collections_path, tmp_path):
    tarballs = sorted((ROOT / 'build').glob('sailpoint_isc-oauth-*.tar.gz'))
    if not tarballs:  # `make build` puts it there; build it when the tests run on their own
        subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'build', '--force', '--output-path',
                        str(ROOT / 'build')], cwd=ROOT, check=True, capture_output=True)
    context = tmp_path / 'context'
    created = subprocess.run([str(BIN / 'ansible-builder'), 'create', '-f',
                              str(ROOT / 'playbooks' / 'awx' / 'execution-environment.yml'), '--context', str(context)],
                             capture_output=True, text=True, check=False)
    assert created.returncode == 0, created.stdout + created.stderr
    requirements = (context / '_build' / 'requirements.txt').read_text()
    assert 'requests' in requirements and 'PyJWT' in requirements
    assert list((context / '_build' / 'collections').glob('sailpoint_isc-oauth-*.tar.gz'))
    introspected = subprocess.run([str(BIN / 'ansible-builder'), 'introspect', str(collections_path)],
                                  capture_output=True, text=True, check=False)
    assert introspected.returncode == 0, introspected.stderr
    listed = yaml.safe_load(introspected.stdout.split('\n', 1)[1])
    assert any(line.startswith('requests') for line in listed['python'])
    assert any(line.startswith('PyJWT') for line in listed['python'])


def test_register_playbook_is_valid_for_awx_collection():
    play = yaml.safe_load((ROOT / 'playbooks' / 'awx' / 'register_credential_type.yml').read_text())
    modules = [next(k for k in task if k.startswith('awx.awx.')) for task in play[0]['tasks']]
    assert modules == ['awx.awx.credential_type', 'awx.awx.credential']
    assert sys.version_info >= (3, 9)
