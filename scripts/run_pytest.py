# Copyright: sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run pytest on one test directory; tolerate "no tests collected" only while it has no tests.

Usage: python scripts/run_pytest.py TESTDIR [pytest arguments...]

pytest runs with the interpreter running this script (``python -m pytest``), so
the caller picks the virtualenv.  pytest's exit code is passed through, except:

* TESTDIR missing, or holding no test module (``test_*.py`` / ``*_test.py``):
  the suite is still empty -> exit code 5 ("no tests collected") becomes 0, with
  a notice.  A missing directory is not handed to pytest at all.
* test modules exist but pytest collected nothing (exit code 5): that is a
  real failure (for example everything was deselected) and stays 5.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys

NO_TESTS_COLLECTED = 5
TEST_MODULE_PATTERNS = ('test_*.py', '*_test.py')


def test_modules(directory: str) -> list[str]:
    """Return the test modules below directory."""
    found = []

    for root, dirs, files in os.walk(directory):
        dirs[:] = [name for name in dirs if name != '__pycache__' and not name.startswith('.')]
        found.extend(os.path.join(root, name) for name in files
                     if any(fnmatch.fnmatch(name, pattern) for pattern in TEST_MODULE_PATTERNS))

    return found


def main(argv: list[str]) -> int:
    """Run pytest and map its exit code."""
    if not argv:
        raise SystemExit(__doc__.strip().splitlines()[2])

    directory, pytest_args = argv[0], argv[1:]

    if not os.path.isdir(directory):
        print('NOTICE: %s does not exist yet: no tests to run.' % directory)
        return 0

    command = [sys.executable, '-m', 'pytest', directory] + pytest_args
    print('+ %s' % ' '.join(command), flush=True)
    returncode = subprocess.run(command, check=False).returncode

    if returncode == NO_TESTS_COLLECTED:
        modules = test_modules(directory)

        if not modules:
            print('NOTICE: %s holds no test modules yet: pytest exit code 5 (no tests collected) accepted.' % directory)
            return 0

        print('ERROR: pytest collected no tests although %d test module(s) exist below %s.' % (len(modules), directory))

    return returncode


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
