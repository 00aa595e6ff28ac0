# Copyright: sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CI's shell code must not pipe into a reader that stops early.

`.ci/run` and the Makefile run bash with pipefail.  In `cmd | head -n 1` head
exits after one line; when cmd writes again it dies of SIGPIPE and the pipeline
fails with 141 -- only sometimes, depending on scheduling (a CI run was lost to
`make --version | head -n 1`; the pattern fails about 2 runs in 100 here).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [ROOT / '.ci' / 'run', ROOT / 'Makefile']

# Readers that close their input before the writer is done.
EARLY_CLOSING_READER = re.compile(
    r"""\|\s*(?:
        head\b                                  # head -n N, head -c N
      | grep\s+(?:-\w*\s+)*-\w*[mq]\w*\b        # grep -m N, grep -q
      | sed\s+-n\s+['"][^'"]*\bq\b              # sed -n '1{p;q}'
    )""",
    re.VERBOSE,
)


def pipeline_lines(path):
    """Yield (line number, line) for the script's non-comment lines."""
    for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), start=1):
        if not line.lstrip().startswith('#'):
            yield number, line


@pytest.mark.parametrize('script', SCRIPTS, ids=lambda path: path.name)
def test_ci_runs_bash_with_pipefail(script):
    # The check below only matters under pipefail; if that ever goes, revisit it.
    assert 'pipefail' in script.read_text(encoding='utf-8')


@pytest.mark.parametrize('script', SCRIPTS, ids=lambda path: path.name)
def test_no_pipeline_ends_in_a_reader_that_stops_early(script):
    offenders = [
        '%s:%d: %s' % (script.name, number, line.strip())
        for number, line in pipeline_lines(script)
        if EARLY_CLOSING_READER.search(line)
    ]
    assert not offenders, 'use sed -n 1p (reads all input) instead:\n' + '\n'.join(offenders)


@pytest.mark.parametrize('line', [
    'make --version | head -n 1',
    'ansible-lint --version 2>&1 | grep -m 1 ansible-lint',
    'git status | grep -q modified',
    "bash --version | sed -n '1{p;q}'",
])
def test_the_check_catches_early_closing_readers(line):
    assert EARLY_CLOSING_READER.search(line)


@pytest.mark.parametrize('line', [
    "make --version 2>&1 | sed -n '1p'",
    "ansible-lint --version | sed -n '/ansible-lint/{p;:a;n;ba}'",
    'git log | grep modified',
])
def test_the_check_lets_full_readers_pass(line):
    assert not EARLY_CLOSING_READER.search(line)
