"""What the write lock costs per write: WriteLock (plugins/module_utils/_isc_write_lock.py) held around one write,
as the resource engine holds it: create the lock directory if needed, acquire the file lock, record "started" and
"done", release. Goal: under 5 ms per write.

Measured in this process on the collection's source (no playbook), N distinct names per round (every write has a
lock file of its own, as every credential has), median and 95th percentile of the per-write time over R rounds,
with time.perf_counter; the lock files go to a temporary directory on the same file system as the token cache
would.

Usage: python benchmarks/write_lock_benchmark.py [--writes N] [--repeat R]   (`make bench` runs it)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _bench
from _bench import ROOT

# The collection imports itself as ansible_collections.sailpoint_isc.oauth: point that name at this work tree.
_SHIM = Path(tempfile.mkdtemp(prefix='isc-lock-shim-'))
(_SHIM / 'ansible_collections' / 'sailpoint_isc').mkdir(parents=True)
os.symlink(ROOT, _SHIM / 'ansible_collections' / 'sailpoint_isc' / 'oauth')
sys.path.insert(0, str(_SHIM))

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_write_lock import WriteLock  # noqa: E402


def one_round(state_dir, writes, base_url):
    """Per-write seconds of `writes` writes under fresh locks (first use of each lock file, as for a new credential),
    then of the same writes again (lock files exist, as for an update)."""
    fresh, again = [], []
    for samples in (fresh, again):
        for n in range(writes):
            started = time.perf_counter()
            lock = WriteLock(state_dir, base_url, 'oauth client', 'bench-%04d' % n)
            with lock.held():
                lock.mark_started()
                lock.mark_done()
            samples.append(time.perf_counter() - started)
    return fresh, again


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--writes', type=int, default=200)
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()
    fresh, again = [], []
    with tempfile.TemporaryDirectory(prefix='isc-lock-bench-') as scratch:
        for n in range(args.repeat):
            one_fresh, one_again = one_round(os.path.join(scratch, 'round-%d' % n, 'token-cache'), args.writes,
                                             'https://acme.api.identitynow.com')
            fresh += one_fresh
            again += one_again
    print('Machine: %s' % _bench.machine())
    print('Write lock per write (acquire, record started, record done, release), %d writes x %d rounds'
          % (args.writes, args.repeat))
    for label, samples in (('new lock file', fresh), ('existing lock file', again)):
        ordered = sorted(samples)
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        print('  %-19s median %.3f ms, 95th percentile %.3f ms, max %.3f ms (goal: under 5 ms)'
              % (label, statistics.median(samples) * 1000, p95 * 1000, ordered[-1] * 1000))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(_SHIM)
