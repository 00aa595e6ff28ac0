"""What the benchmarks share: the import path, the machine description, ISC's rate limit arithmetic, the inventory of
many emulator tenants and the api_clients role's inputs.

Every benchmark runs real ansible-playbook processes through tests/isc_playbook_runner.py (the integration tests'
runner) against the bundled emulator, and times them with time.perf_counter.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT / 'tests', ROOT / 'tests' / 'emulator'):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from isc_playbook_runner import ADMIN, installed_collections  # noqa: E402

# ISC's documented rate limit: 100 requests per 10 s, counted per client id and API version.
ISC_RATE_REQUESTS = 100
ISC_RATE_WINDOW = 10.0


def collections_or_exit():
    found = installed_collections()
    if not found:
        sys.exit('The collection is not installed: run `make bench` (it builds it first) or `make build`.')
    return found


def rate_limit_minimum(requests_per_key):
    """The least time ISC's rate limit allows for these requests: for each key (client id + API version) a sliding
    window of 100 requests per 10 s lets request number k (from 0) go at 10 s * (k // 100) at the earliest; keys
    are counted apart and overlap, so the slowest key sets the bound."""
    return max([ISC_RATE_WINDOW * ((count - 1) // ISC_RATE_REQUESTS) for count in requests_per_key if count] or [0.0])


def requests_per_key(log):
    """{(client id, API version or path): number of requests} of a tenant's request log."""
    keys = {}
    for entry in log:
        key = (entry.get('client_id'), entry.get('api_version') or entry['path'])
        keys[key] = keys.get(key, 0) + 1
    return keys


def machine():
    """One line: cores, CPU model, Python and ansible-core, for the figures."""
    model = '?'
    try:
        with open('/proc/cpuinfo') as handle:
            model = next((line.split(':', 1)[1].strip() for line in handle if line.startswith('model name')), '?')
    except OSError:
        pass
    cores = os.cpu_count() or 0
    return 'nproc %d, %s, Python %s, ansible-core %s' % (cores, model, platform.python_version(), core_version())


def core_version():
    """The ansible-core of the ansible-playbook next to this Python, as text (2.19.14)."""
    from ansible.release import __version__
    return __version__


def tenants_inventory(base_urls, group='isc_tenants'):
    """INI text: one local host per tenant (named after it), with its base URL and the emulator admin's credentials."""
    lines = ['[%s]' % group] + ['%s isc_base_url=%s' % (name, url) for name, url in base_urls.items()]
    lines += ['[%s:vars]' % group, 'ansible_connection=local',
              'ansible_python_interpreter="{{ ansible_playbook_python }}"',
              'isc_client_id=%s' % ADMIN['client_id'], 'isc_client_secret=%s' % ADMIN['client_secret']]
    return '\n'.join(lines) + '\n'


def client_definitions(count, prefix='bench'):
    """api_clients_definitions for count clients."""
    return [dict(name='%s-%03d' % (prefix, n), description='benchmark client %d' % n,
                 grant_types=['CLIENT_CREDENTIALS'], access_type='OFFLINE', access_token_validity_seconds=750,
                 enabled=True) for n in range(count)]


def ratio(value, base):
    return value / base if base else float('inf')


def children_cpu_seconds():
    """CPU time (user + system) of the child processes ended so far: each ansible-playbook and its workers."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
