# Copyright: sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copy the collection source tree to DEST (replacing DEST), e.g. for ansible-test.

ansible-test only works on a collection that lives at
``.../ansible_collections/<namespace>/<name>``; the repository root is the
collection root, so ``make sanity`` stages a copy at
``build/sanity/ansible_collections/sailpoint_isc/oauth``.

The copy holds exactly the files git would track: tracked files plus untracked
files that are not ignored (``git ls-files --cached --others --exclude-standard``),
so a dirty working tree is tested as it is and a clean clone gives the same
result.  Tracked files deleted in the working tree are skipped.  Outside a git
work tree, every file is copied except the well-known local artefacts in
``FALLBACK_EXCLUDES``.

Usage: python scripts/stage_collection.py SOURCE DEST
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

FALLBACK_EXCLUDES = frozenset((
    '.git', '.venv', 'build', '.pytest_cache', '.hypothesis', '.ansible', '__pycache__', 'output',
))


def git_files(source: str) -> list[str] | None:
    """Return the files git would track below source, or None outside a git work tree."""
    try:
        inside = subprocess.run(['git', '-C', source, 'rev-parse', '--is-inside-work-tree'],
                                capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return None

    if inside.returncode != 0 or inside.stdout.strip() != 'true':
        return None

    listing = subprocess.run(['git', '-C', source, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                             capture_output=True, check=True)

    files = {name.decode('utf-8') for name in listing.stdout.split(b'\0') if name}

    return sorted(files)


def walked_files(source: str) -> list[str]:
    """Return all files below source except local artefacts (no git available)."""
    result = []

    for root, dirs, files in os.walk(source):
        dirs[:] = [name for name in dirs if name not in FALLBACK_EXCLUDES and not name.startswith('.venv')]
        result.extend(os.path.relpath(os.path.join(root, name), source) for name in files)

    return sorted(result)


def main(argv: list[str]) -> int:
    """Stage the copy."""
    if len(argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[-1])

    source, dest = (os.path.abspath(arg) for arg in argv)

    inside_source = dest == source or dest.startswith(source + os.sep)

    if inside_source and not dest.startswith(os.path.join(source, 'build') + os.sep):
        raise SystemExit('ERROR: refusing to stage into %s (must be below %s/build)' % (dest, source))

    files = git_files(source)

    if files is None:
        files = walked_files(source)

    shutil.rmtree(dest, ignore_errors=True)
    copied = 0

    for name in files:
        src = os.path.join(source, name)

        if not os.path.lexists(src):
            continue  # tracked, but deleted in the working tree

        dst = os.path.join(dest, name)
        os.makedirs(os.path.dirname(dst), exist_ok=True)

        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)

        copied += 1

    print('staged %d files from %s to %s' % (copied, source, dest))

    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
