"""What the lookup and connection-variable tests need beyond conftest's case batches (isc_playbook_runner.Case):
host variables made from the case's tenant, and batches that set process environment variables.

* :class:`TenantCase`: a case whose host variables depend on its tenant (its URL in another variable, a URL with a
  password in it, the id and secret of an API client made there). run_cases resets and prepares every tenant
  before it writes the inventory, so what prepare adds to the case's hostvars is in the inventory.
* :func:`environment_batch_runner`: case batches with environment variables of the ansible-playbook process. The
  lookup runs on the controller and reads the controller's environment (and ansible.cfg); ``environment:`` on a task
  reaches modules only, so a lookup's environment fallbacks need a run of their own.
"""

from __future__ import annotations

from conftest import CASE_TENANTS, assert_no_leaks
from isc_emulator.tenant import Tenant
from isc_playbook_runner import Case, playbook_environment, run_cases


class TenantCase(Case):
    """A Case whose host variables are partly made from its tenant: tenant_vars(tenant) returns them (None leaves a
    variable unset) after the tenant has been reset for the run; it may also seed the tenant, as prepare does."""

    def __init__(self, name, tasks, tenant_vars, path='controller', hostvars=None):
        super(TenantCase, self).__init__(name, tasks, path=path, hostvars=hostvars, prepare=self._add_tenant_vars)
        self.tenant_vars = tenant_vars

    def _add_tenant_vars(self, tenant):
        self.hostvars.update(self.tenant_vars(tenant))


def tenant_url(tenant):
    """tenant_vars of a TenantCase: the tenant's URL in the variable tenant_url (for a task or another variable)."""
    return dict(tenant_url=tenant.base_url)


def environment_batch_runner(collections_path, emulator, tmp_path_factory):
    """A function that runs case batches as conftest's run_cases does (-vvvv, one tenant per case, leak-scanned), in a
    process environment of the caller's choice: run(cases, environment, scanned=()) returns the CaseRun.

    environment(tenants) gets {case name: Tenant} and returns the variables to set (for example SAIL_BASE_URL of one
    case's tenant); scanned: more directories to search for leaked secrets (a token cache the environment moves).
    Tenants are taken from the end of CASE_TENANTS, as run_cases takes them from the start: a module's batches of
    both kinds together may hold len(CASE_TENANTS) cases.
    """
    free = [Tenant(emulator, name) for name in reversed(CASE_TENANTS)]

    def run(cases, environment, scanned=()):
        assert len(cases) <= len(free), 'no emulator tenant left for %d more cases' % len(cases)
        tenants = [free.pop(0) for _case in cases]
        work = tmp_path_factory.mktemp('environment-cases')
        variables = environment(dict((case.name, tenant) for case, tenant in zip(cases, tenants)))
        env = playbook_environment(collections_path, work, token_cache_dir=work / 'token-cache',
                                   results_file=work / 'results.jsonl', extra=variables)
        batch = run_cases(cases, tenants, env, work, verbosity=4, timeout=600)
        assert_no_leaks(emulator, batch.run, [work / 'tmp', work / 'ansible-home', work / 'token-cache'] +
                        list(scanned))
        return batch

    return run
