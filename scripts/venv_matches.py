# Copyright: sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exit 0 if the running interpreter has every ``name==version`` pin of a requirements file.

Usage: python scripts/venv_matches.py REQUIREMENTS_FILE

``make venv`` uses this once, to adopt a virtualenv that was built from the
requirements file before the Makefile (and its stamp file) existed, instead of
deleting it under the feet of whoever uses it.  Anything but plain ``==`` pins
(ranges, URLs, options, includes) counts as "does not match", so the caller
rebuilds the virtualenv.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys

PIN = re.compile(r'^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$')


def mismatches(requirements_file: str) -> list[str]:
    """Return a description of every requirement the interpreter does not satisfy exactly."""
    problems = []

    with open(requirements_file, encoding='utf-8') as lines:
        for line in lines:
            requirement = line.split('#', 1)[0].strip()

            if not requirement:
                continue

            match = PIN.match(requirement)

            if not match:
                problems.append('%s: not a plain name==version pin' % requirement)
                continue

            name, wanted = match.groups()

            try:
                installed = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                problems.append('%s: not installed' % requirement)
                continue

            if installed != wanted:
                problems.append('%s: %s is installed' % (requirement, installed))

    return problems


def main(argv: list[str]) -> int:
    """Report the result."""
    if len(argv) != 1:
        raise SystemExit(__doc__.strip().splitlines()[2])

    problems = mismatches(argv[0])

    for problem in problems:
        print('venv mismatch: %s' % problem)

    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
