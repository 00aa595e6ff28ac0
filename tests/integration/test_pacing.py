"""The request pacer in real runs: budgets per client id and API version, and a clock stepped back.

Both are proven by time: a budget of 2 requests per 20 s that were shared by every API version would hold the run
for at least 40 s; request times 45 s in the future that were honoured would hold it for 45 s.
"""

from __future__ import annotations

import json
import time

import pytest

from isc_playbook_runner import ADMIN

pytestmark = pytest.mark.integration

PLAY = '''
- hosts: localhost
  gather_facts: false
  tasks:
''' + ''.join('''
    - name: list with {0} ({1})
      sailpoint_isc.oauth.isc_oauth_client_info:
        api_version: {0}
'''.format(version, n) for version in ('v1', 'v3', 'beta') for n in (1, 2))


def env_for(tenant, **extra):
    return dict(SAIL_BASE_URL=tenant.base_url, SAIL_CLIENT_ID=ADMIN['client_id'],
                SAIL_CLIENT_SECRET=ADMIN['client_secret'], **extra)


def timed(ansible, *args, **kwargs):
    started = time.monotonic()
    run = ansible(*args, **kwargs).assert_ok()
    return run, time.monotonic() - started


def test_each_api_version_has_a_budget_of_its_own(acme, ansible):
    # 1 token request and 2 list calls per version: within a budget of 2 per 20 s for each of them.
    run, elapsed = timed(ansible, PLAY, env=env_for(acme, ISC_RATE_LIMIT='2/20'), verbosity=0)
    versions = sorted(r['api_version'] or r['path'] for r in acme.requests())
    assert versions == ['/oauth/token', 'beta', 'beta', 'v1', 'v1', 'v3', 'v3']
    assert elapsed < 20, 'a budget shared by the API versions would have waited for the window'


def test_request_times_in_the_future_do_not_hold_a_run(acme, ansible):
    """The reported case: after the clock was stepped back, a one-task run was still waiting after 45 s."""
    ansible(PLAY, env=env_for(acme), verbosity=0).assert_ok()
    pace_files = [p for p in ansible.cache_dir.glob('pace-*') if not p.name.endswith('.lock')]
    assert len(pace_files) == 4  # v1, v3, beta and the token endpoint
    for path in pace_files:
        path.write_text(json.dumps([time.time() + 45.0] * 100))  # every slot of the window taken, 45 s ahead
    run, elapsed = timed(ansible, PLAY, env=env_for(acme), verbosity=0)
    assert elapsed < 30
