"""Put the collections that ansible-lint needs to syntax-check our playbooks next to this one.

playbooks/awx/register_credential_type.yml uses awx.awx; the leak test uses ansible.posix's json callback.
Ansible Galaxy is not reachable from CI, so both are taken from the `ansible` community package on PyPI,
which bundles them: the wheel is downloaded once and only their directories are extracted.

Usage: python scripts/fetch_lint_collections.py <collections dir> <download dir>
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ANSIBLE_PACKAGE = 'ansible==12.3.0'
# awx.awx for ansible-lint; ansible.posix for the leak test that runs with its json stdout callback.
WANTED = ('ansible_collections/awx/awx/', 'ansible_collections/ansible/posix/')


def main(collections_dir, download_dir):
    collections_dir, download_dir = Path(collections_dir), Path(download_dir)
    if all((collections_dir / prefix / 'MANIFEST.json').exists() for prefix in WANTED):
        return 0
    wheels = sorted(download_dir.glob('ansible-*.whl'))
    if not wheels:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps', '--dest', str(download_dir),
                        ANSIBLE_PACKAGE], check=True)
        wheels = sorted(download_dir.glob('ansible-*.whl'))
    with zipfile.ZipFile(wheels[-1]) as wheel:
        for member in wheel.namelist():
            if member.startswith(WANTED):
                wheel.extract(member, collections_dir.parent)
    print('lint collections ready in %s: %s' % (collections_dir, ', '.join(p.strip('/') for p in WANTED)))
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
