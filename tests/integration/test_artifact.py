"""The collection as a user gets it from Galaxy: the installed copy of the built tarball, on its own."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from isc_playbook_runner import BIN, ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope='module')
def installed(collections_path):
    return collections_path / 'ansible_collections' / 'sailpoint_isc' / 'oauth'


def test_execution_environment_builds_from_the_installed_collection(installed, tmp_path):
    context = tmp_path / 'context'
    created = subprocess.run([str(BIN / 'ansible-builder'), 'create', '-f',
                              str(installed / 'playbooks' / 'awx' / 'execution-environment.yml'),
                              '--context', str(context), '--output-filename', 'Containerfile'],
                             cwd=str(tmp_path), capture_output=True, text=True, check=False)
    output = created.stdout + created.stderr
    assert created.returncode == 0, output
    # ansible-builder only warns about a file it cannot find, and then writes a Containerfile that cannot build.
    assert 'no matches' not in output.lower(), output
    containerfile = (context / 'Containerfile').read_text()
    # The image installs the collections of _build/requirements.yml (copied to /build) with ansible-galaxy.
    assert 'COPY _build /build' in containerfile
    assert re.search(r'ansible-galaxy collection install .*-r requirements\.yml', containerfile), containerfile
    requirements = yaml.safe_load((context / '_build' / 'requirements.yml').read_text())
    assert [c['name'] for c in requirements['collections']] == ['sailpoint_isc.oauth']


def test_execution_environment_definition_names_no_version():
    version = yaml.safe_load((ROOT / 'galaxy.yml').read_text())['version']
    for path in (ROOT / 'playbooks' / 'awx').glob('*.yml'):
        text = '\n'.join(line for line in path.read_text().splitlines() if not line.lstrip().startswith('#'))
        assert version not in text, '%s hard-codes the version %s' % (path.name, version)
        assert '../' not in text, '%s points outside the collection' % path.name


def test_execution_environment_gets_the_python_dependencies(installed):
    # What ansible-builder reads from each collection of the image while it builds.
    introspected = subprocess.run([str(BIN / 'ansible-builder'), 'introspect', str(installed.parents[2])],
                                  capture_output=True, text=True, check=False)
    assert introspected.returncode == 0, introspected.stderr
    listed = yaml.safe_load(introspected.stdout.split('\n', 1)[1])
    names = set(re.match(r'[A-Za-z0-9_.-]+', line).group(0).lower() for line in listed['python'])
    assert {'requests', 'pyjwt', 'cryptography'} <= names, listed['python']


def test_metadata_has_no_placeholder_links(installed):
    manifest = yaml.safe_load((installed / 'MANIFEST.json').read_text())['collection_info']
    # Galaxy requires a repository; until there is a public one it is the collection's Galaxy page.
    assert manifest['repository'] == 'https://galaxy.ansible.com/ui/repo/published/sailpoint_isc/oauth/'
    for key in ('documentation', 'homepage', 'issues'):
        assert not manifest.get(key), '%s: %s' % (key, manifest.get(key))
    links = yaml.safe_load((installed / 'docs' / 'docsite' / 'links.yml').read_text())
    assert 'example' not in yaml.safe_dump(links)


def test_no_sanity_ignore_files_are_shipped(installed):
    assert not list(installed.glob('tests/sanity/ignore-*.txt'))


def test_no_shipped_file_needs_the_emulator(installed):
    # The emulator is a package of the source repository, not of the collection.
    needing = [str(p.relative_to(installed)) for p in installed.rglob('*.py') if 'isc_emulator' in p.read_text()]
    assert not needing


def shipped_texts(installed):
    for pattern in ('README.md', 'docs/**/*.rst', 'docs/**/*.md', 'roles/*/README.md', 'playbooks/**/*.yml'):
        for path in installed.glob(pattern):
            yield path, path.read_text()


def test_shipped_documents_link_only_to_shipped_files(installed):
    broken = []
    for path, text in shipped_texts(installed):
        for target in re.findall(r'\]\(([^)#\s]+)(?:#[^)]*)?\)', text):
            if not re.match(r'[a-z]+:', target) and not (path.parent / target).exists():
                broken.append('%s -> %s' % (path.relative_to(installed), target))
    assert not broken


def test_shipped_documents_name_only_shipped_files(installed):
    # A file named in the text (`docs/awx.md`, `playbooks/demo/run_demo.py`) is in the artifact, unless the same line
    # says it is in the source repository.
    missing = []
    for path, text in shipped_texts(installed):
        for line in text.splitlines():
            if 'source repository' in line or 'source checkout' in line:
                continue
            for named in re.findall(r'\b((?:docs|playbooks|roles|meta|tests|plugins)/[\w./-]*\w\.(?:md|rst|yml|py))(?![\w.])', line):
                if not (installed / named).exists():
                    missing.append('%s: %s' % (path.relative_to(installed), named))
    assert not missing


def test_shipped_documents_do_not_tell_users_to_run_make(installed):
    # The artifact has no Makefile: its documents say ansible-galaxy / ansible-builder commands instead.
    assert not (installed / 'Makefile').exists()
    offenders = []
    for path, text in shipped_texts(installed):
        if path.name == 'README.md' and path.parent == installed:
            # The collection README's Development section is about a source checkout, and says so.
            text = text.split('## Development', 1)[0]
        offenders += ['%s: %s' % (path.relative_to(installed), line.strip())
                      for line in text.splitlines() if re.search(r'(^\s*|`|\$ )make [a-z]', line)]
    assert not offenders
