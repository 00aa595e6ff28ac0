"""Test-wide setup: import the collection from this work tree, and the emulator harness."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The collection's code imports itself as ansible_collections.sailpoint_isc.oauth; point that name at this
# work tree so unit tests exercise the source, not an installed copy.
_SHIM = ROOT / 'build' / 'pytest-collections'
_LINK = _SHIM / 'ansible_collections' / 'sailpoint_isc' / 'oauth'
if not _LINK.exists():
    _LINK.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.symlink(ROOT, _LINK)
    except FileExistsError:  # another xdist worker made it first
        pass
for path in (str(_SHIM), str(ROOT / 'tests' / 'emulator')):
    if path not in sys.path:
        sys.path.insert(0, path)
