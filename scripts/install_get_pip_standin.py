# Copyright: sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Place scripts/get_pip_standin.py where ``ansible-test --venv`` looks for get-pip.

Run this with the Python of the virtualenv that holds ansible-test (``make sanity``
does).  The pip version that ansible-test bootstraps is read from the installed
ansible-test itself (``infrastructure_packages['pip']`` in
``ansible_test/_internal/python_requirements.py``), for every Python version that
ansible-test supports, so nothing here is tied to one ansible-core release.

The cache path is the one ansible-test's bootstrap uses:
``~/.ansible/test/cache/get_pip_<pip version with dots as underscores>.py``.
An existing file there is replaced only if it is an older copy of the stand-in;
a genuine get-pip script that was downloaded earlier is left alone.
"""

from __future__ import annotations

import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, 'get_pip_standin.py')
MARKER = 'sailpoint_isc.oauth get-pip stand-in'


def pip_versions(python_versions: list[str]) -> dict[str, str]:
    """Return {python version: pip version} as ansible-test would bootstrap it."""
    try:
        # pylint: disable-next=import-outside-toplevel
        from ansible_test._internal.python_requirements import get_venv_packages
    except ImportError as ex:
        raise SystemExit('ERROR: cannot import ansible-test (%s); run this with the virtualenv Python' % ex) from ex

    result = {}

    for python_version in python_versions:
        packages = get_venv_packages(types.SimpleNamespace(version=python_version))
        result[python_version] = packages['pip']

    return result


def supported_python_versions() -> list[str]:
    """Return the Python versions ansible-test supports."""
    # pylint: disable-next=import-outside-toplevel
    from ansible_test._internal.constants import SUPPORTED_PYTHON_VERSIONS

    return list(SUPPORTED_PYTHON_VERSIONS)


def install(pip_version: str, content: str) -> str:
    """Write the stand-in for the given pip version and return a status line."""
    path = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % pip_version.replace('.', '_'))

    if os.path.exists(path):
        with open(path, encoding='utf-8') as existing_file:
            existing = existing_file.read()

        if existing == content:
            return 'up to date: %s' % path

        if MARKER not in existing:
            return 'kept (genuine get-pip script): %s' % path

    os.makedirs(os.path.dirname(path), exist_ok=True)
    temp_path = path + '.standin'

    with open(temp_path, 'w', encoding='utf-8') as new_file:
        new_file.write(content)

    os.replace(temp_path, path)

    return 'written: %s' % path


def main(argv: list[str]) -> int:
    """Install the stand-in for the requested (default: all supported) Python versions."""
    python_versions = argv or supported_python_versions()

    with open(STANDIN, encoding='utf-8') as standin_file:
        content = standin_file.read()

    if MARKER not in content:
        raise SystemExit('ERROR: %s does not carry the marker %r' % (STANDIN, MARKER))

    for pip_version in sorted(set(pip_versions(python_versions).values())):
        print('get-pip stand-in for pip %s %s' % (pip_version, install(pip_version, content)))

    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
