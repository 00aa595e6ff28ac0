"""Create (or reuse) a virtualenv for one entry of the compatibility matrix.

Usage: python scripts/compat_venv.py VENV_DIR PYTHON CORE_REQUIREMENT REQUIREMENTS_FILE

The venv gets the given ansible-core and everything else the integration tests need from REQUIREMENTS_FILE,
minus the tools that pin ansible-core themselves (ansible-lint, antsibull-*). It is rebuilt only when the
inputs change (a stamp file records them).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

DROP = re.compile(r'^\s*(ansible-core|ansible-lint|antsibull-docs|antsibull-changelog)\b')


def main(venv, python, core, requirements):
    venv = Path(venv)
    if not python or not shutil.which(python):
        sys.exit('compat: no interpreter %r for %s (set COMPAT_PYTHON_...)' % (python, venv))
    wanted = [line for line in Path(requirements).read_text().splitlines()
              if line.strip() and not line.startswith('#') and not DROP.match(line)] + [core]
    stamp_text = '%s\n%s\n' % (python, '\n'.join(wanted))
    stamp = venv / '.compat.stamp'
    if stamp.exists() and stamp.read_text() == stamp_text:
        return 0
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([python, '-m', 'venv', str(venv)], check=True)
    pip = [str(venv / 'bin' / 'python'), '-m', 'pip', 'install', '--quiet']
    subprocess.run(pip + ['--upgrade', 'pip'], check=True)
    listing = venv / 'requirements-compat.txt'
    listing.write_text('\n'.join(wanted) + '\n')
    subprocess.run(pip + ['-r', str(listing)], check=True)
    version = subprocess.run([str(venv / 'bin' / 'ansible'), '--version'], capture_output=True, text=True,
                             check=True).stdout.splitlines()[0]
    print('%s: %s on %s (%s)' % (venv, version, python, hashlib.sha256(stamp_text.encode()).hexdigest()[:8]))
    stamp.write_text(stamp_text)
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
