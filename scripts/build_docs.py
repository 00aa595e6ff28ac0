"""Build the collection's documentation site (HTML) from the installed collection, warnings as errors.

antsibull-docs writes the Sphinx project (`sphinx-init`) and its build.sh, which renders every plugin, role and the
user guide (docs/docsite) to RST and runs `sphinx-build -W`. The generated conf.py resolves references to the Ansible
documentation (action_plugins, common_return_values, ...) through intersphinx inventories downloaded at build time;
neither CI nor this project's machines reach docs.ansible.com, so the build uses a small inventory written here with
exactly the labels the generated pages use. A label missing from ANSIBLE_DOCS_LABELS fails the build (sphinx -W),
which is the signal to add it.

Usage: python scripts/build_docs.py <dest dir>   (ANSIBLE_COLLECTIONS_PATH must contain sailpoint_isc.oauth)
The site is <dest dir>/build/html/index.html.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zlib
from pathlib import Path

COLLECTION = 'sailpoint_isc.oauth'
ANSIBLE_DOCS_URL = 'https://docs.ansible.com/projects/ansible/devel/'
# label -> (page and anchor below ANSIBLE_DOCS_URL, title): the Ansible docs' own labels the generated pages cite.
ANSIBLE_DOCS_LABELS = {
    'action_plugins': ('plugins/action.html#action-plugins', 'Action plugins'),
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values',
                             'Return Values'),
    'ansible_collections.ansible.builtin.uri_module': (
        'collections/ansible/builtin/uri_module.html#ansible-collections-ansible-builtin-uri-module',
        'ansible.builtin.uri module'),
}
INVENTORY = 'ansible_devel.inv'


def write_inventory(path):
    """A Sphinx inventory (objects.inv format, version 2) of ANSIBLE_DOCS_LABELS."""
    header = ('# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
              '# The remainder of this file is compressed using zlib.\n')
    entries = ''.join('%s std:label -1 %s %s\n' % (label, uri, title)
                      for label, (uri, title) in sorted(ANSIBLE_DOCS_LABELS.items()))
    path.write_bytes(header.encode('utf-8') + zlib.compress(entries.encode('utf-8')))


def main(dest):
    dest = Path(dest).resolve()
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(mode=0o700, parents=True)  # antsibull-docs refuses a directory others can write to
    subprocess.run(['antsibull-docs', 'sphinx-init', '--use-current', '--fail-on-error', '--squash-hierarchy',
                    '--no-add-antsibull-docs-version', '--project', COLLECTION, '--title', COLLECTION,
                    '--html-short-title', COLLECTION, '--copyright', 'sailpoint_isc.oauth contributors',
                    '--dest-dir', str(dest), COLLECTION], check=True, stdout=subprocess.DEVNULL)
    write_inventory(dest / INVENTORY)
    with open(dest / 'conf.py', 'a', encoding='utf-8') as conf:
        conf.write('\n# Written by scripts/build_docs.py: offline inventory instead of downloads.\n'
                   'intersphinx_mapping = {%r: (%r, %r)}\n' % ('ansible_devel', ANSIBLE_DOCS_URL, str(dest / INVENTORY)))
    subprocess.run(['bash', str(dest / 'build.sh')], check=True)
    index = dest / 'build' / 'html' / 'index.html'
    if not index.is_file():
        sys.exit('ERROR: the build wrote no %s' % index)
    print('Documentation site: %s' % index)
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
