"""The documentation site as a reader sees it: every page loaded in headless Chromium.

`make docs` builds the site and runs this file with ISC_DOCS_HTML pointing at it. Run alone, the test builds the site
itself from the collection installed by `make build` (build/collections) with the tools of `make docs` (.venv-docs).
Outside CI, a missing Chromium or .venv-docs skips with the reason; in CI (CI=true) it fails, since .ci/run installs
Chromium and `make test` runs `make docs` first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / 'build' / 'collections'
INSTALLED = COLLECTIONS / 'ansible_collections' / 'sailpoint_isc' / 'oauth'
DOCS_VENV = ROOT / '.venv-docs'
BIN = Path(sys.executable).parent
FQCN = 'sailpoint_isc.oauth'
RAW_MARKUP = (':ansopt:', ':ansplugin:', ':ansenvvar:', ':ansretval:', ':ansval:', ':ref:', '.. code-block::')


def missing(what, how):
    if os.environ.get('CI') == 'true':
        pytest.fail('%s is missing in CI: %s' % (what, how))
    pytest.skip('%s is missing: %s' % (what, how))


@pytest.fixture(scope='module')
def chromium():
    found = shutil.which('chromium')
    if not found:
        missing('chromium', 'apt-get install chromium (.ci/run does)')
    return found


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    """The built site's html directory."""
    if os.environ.get('ISC_DOCS_HTML'):
        return Path(os.environ['ISC_DOCS_HTML'])
    if not (INSTALLED / 'MANIFEST.json').exists():
        missing('the installed collection', "run 'make build'")
    if not (DOCS_VENV / 'bin' / 'antsibull-docs').exists():
        missing('.venv-docs', "run 'make docs' once")
    dest = tmp_path_factory.mktemp('docs') / 'site'
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
               PATH=str(DOCS_VENV / 'bin') + os.pathsep + os.environ['PATH'])
    subprocess.run([str(DOCS_VENV / 'bin' / 'python'), str(ROOT / 'scripts' / 'build_docs.py'), str(dest)],
                   env=env, check=True, capture_output=True)
    return dest / 'build' / 'html'


class Page(HTMLParser):
    """What a reader's browser built: element ids, table classes, links, stylesheets and scripts, visible text."""

    def __init__(self, dom):
        super().__init__()
        self.ids, self.table_classes, self.links, self.resources, self.text = set(), [], set(), [], []
        self._hidden = 0
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if 'id' in attrs:
            self.ids.add(attrs['id'])
        if tag == 'table':
            self.table_classes.append(attrs.get('class', ''))
        if tag == 'a' and attrs.get('href'):
            self.links.add(attrs['href'].split('#')[0])
        if tag == 'link' and attrs.get('rel') == 'stylesheet':
            self.resources.append(attrs['href'])
        if tag in ('script', 'img') and attrs.get('src'):
            self.resources.append(attrs['src'])
        if tag in ('script', 'style'):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ('script', 'style'):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def load(chromium, path, profile):
    """The DOM of a page after Chromium loaded it and ran its scripts."""
    completed = subprocess.run([chromium, '--headless', '--no-sandbox', '--disable-gpu', '--user-data-dir=%s' % profile,
                                '--dump-dom', path.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0 and '</html>' in completed.stdout, completed.stderr[-2000:]
    return Page(completed.stdout)


def ansible_doc(plugin_type, names):
    """Documented options by plugin name, as ansible-doc reads them from the installed collection."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS))
    completed = subprocess.run([str(BIN / 'ansible-doc'), '--json', '-t', plugin_type] + names,
                               env=env, capture_output=True, text=True, check=True)
    return json.loads(completed.stdout)


def plugin_pages():
    """(page file, expected option ids) for every module, lookup and role the installed collection has."""
    if not (INSTALLED / 'MANIFEST.json').exists():
        missing('the installed collection', "run 'make build'")
    pages = []
    for plugin_type, directory in (('module', 'modules'), ('lookup', 'lookup')):
        names = ['%s.%s' % (FQCN, p.stem) for p in sorted((INSTALLED / 'plugins' / directory).glob('*.py'))
                 if p.stem != '__init__']
        for name, doc in ansible_doc(plugin_type, names).items():
            options = set(doc['doc'].get('options') or {})
            pages.append(('%s_%s.html' % (name.split('.')[-1], plugin_type), set('parameter-' + o for o in options)))
    roles = ['%s.%s' % (FQCN, p.name) for p in sorted((INSTALLED / 'roles').iterdir())]
    for name, doc in ansible_doc('role', roles).items():
        ids = set('parameter-%s--%s' % (entry, option) for entry, spec in doc['entry_points'].items()
                  for option in spec.get('options') or {})
        pages.append(('%s_role.html' % name.split('.')[-1], ids))
    return pages


def guide_pages():
    sections = yaml.safe_load((INSTALLED / 'docs' / 'docsite' / 'extra-docs.yml').read_text())['sections']
    return ['docsite/%s.html' % page for section in sections for page in section['toctree']]


@pytest.fixture(scope='module')
def loaded(site, chromium, tmp_path_factory):
    """Every page Chromium loaded, by its path below the site: the index, each plugin and role, the user guide."""
    expected = plugin_pages()
    files = ['index.html'] + [page for page, _ids in expected] + guide_pages()
    for name in files:
        assert (site / name).is_file(), 'the site has no %s' % name
    profiles = tmp_path_factory.mktemp('chromium')
    with ThreadPoolExecutor(max_workers=2) as pool:
        pages = list(pool.map(lambda item: load(chromium, site / item[1], profiles / str(item[0])),
                              enumerate(files)))
    return dict(zip(files, pages)), dict(expected)


def test_index_leads_to_every_plugin_role_and_guide_page(loaded):
    pages, expected = loaded
    index = pages['index.html']
    unlinked = sorted(name for name in set(expected) | set(guide_pages()) if name not in index.links)
    assert not unlinked, 'the index does not link to %s' % unlinked


def test_every_plugin_and_role_page_shows_its_options_table(loaded):
    pages, expected = loaded
    for name, option_ids in expected.items():
        page = pages[name]
        assert option_ids, '%s documents no options' % name
        assert any('ansible-option-table' in classes for classes in page.table_classes), name
        absent = sorted(option_ids - page.ids)
        assert not absent, '%s lacks the rows of %s' % (name, absent)


def test_user_guide_pages_are_rendered_not_raw(loaded):
    pages, _expected = loaded
    for name in guide_pages():
        text = ''.join(pages[name].text)
        assert len(text) > 500, name
        raw = [markup for markup in RAW_MARKUP if markup in text]
        assert not raw, '%s shows raw markup %s' % (name, raw)


def test_every_stylesheet_script_and_image_exists(loaded, site):
    pages, _expected = loaded
    for name, page in pages.items():
        assert page.resources, name
        for resource in page.resources:
            if '://' not in resource:
                target = ((site / name).parent / resource.split('?')[0]).resolve()
                assert target.is_file(), '%s loads %s, which the site lacks' % (name, resource)
