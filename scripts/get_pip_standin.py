# Copyright: sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the ``get-pip.py`` script that ``ansible-test --venv`` downloads.

ansible-test bootstraps pip into each (empty) sanity-test virtual environment by
running ``get_pip_<version>.py`` from ``~/.ansible/test/cache`` and downloads it from
ci-files.testing.ansible.com only when it is missing there.  That host is not
reachable from every build machine, so ``make sanity`` places this file at that
path instead (see scripts/install_get_pip_standin.py).

It is run with get-pip's arguments, for example::

    python get_pip_24_2.py --disable-pip-version-check pip==24.2 --no-setuptools --no-wheel

and does the same job with what every CPython ships and the configured package index:

1. ``python -m ensurepip --upgrade`` (in a subprocess: ensurepip disables pip's
   configuration for its own run, which must not leak into step 2);
2. ``python -m pip install <the same arguments>`` without get-pip's own
   ``--no-setuptools`` / ``--no-wheel`` switches, so pip's regular configuration
   (index, find-links, certificate bundle) applies.
"""

from __future__ import annotations

import subprocess
import sys

STANDIN_MARKER = 'sailpoint_isc.oauth get-pip stand-in'

GET_PIP_ONLY_OPTIONS = frozenset(('--no-setuptools', '--no-wheel'))


def main(argv: list[str]) -> int:
    """Bootstrap pip into the running interpreter's environment."""
    pip_args = [arg for arg in argv if arg not in GET_PIP_ONLY_OPTIONS]

    commands = [
        [sys.executable, '-m', 'ensurepip', '--upgrade'],
        [sys.executable, '-m', 'pip', 'install'] + pip_args,
    ]

    for command in commands:
        sys.stderr.write('%s: %s\n' % (STANDIN_MARKER, ' '.join(command)))
        sys.stderr.flush()
        # Output is shown only on failure: ansible-test runs this for every sanity venv.
        result = subprocess.run(command, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

        if result.returncode != 0:
            sys.stderr.write(result.stdout.decode('utf-8', 'replace'))
            sys.stderr.write('%s: command failed with exit code %d\n' % (STANDIN_MARKER, result.returncode))
            return result.returncode

    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
