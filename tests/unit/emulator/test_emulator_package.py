"""The emulator as a product: ``pip install ./tests/emulator`` gives the ``isc-emulator`` command, the
importable package and the pytest fixtures (entry point ``pytest11``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2] / "emulator"

USER_TEST = '''
import requests


def test_a_users_own_check_against_the_emulator(isc_tenant):
    token = requests.post(isc_tenant.base_url + "/oauth/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": isc_tenant.client_id, "client_secret": isc_tenant.client_secret})
    assert token.status_code == 200
    assert isc_tenant.environment["SAIL_BASE_URL"] == isc_tenant.base_url
    assert [entry["path"] for entry in isc_tenant.requests()] == ["/oauth/token"]
'''


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The project installed with pip into a private directory, built from a copy (no build files in the tree)."""
    work = tmp_path_factory.mktemp("isc-emulator-package")
    source = work / "source"
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(source)],
        check=True, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    return target


def _run(installed: Path, args: list, cwd: Path) -> subprocess.CompletedProcess:
    # Only the installed copy on the path: not tests/emulator.
    env = dict(os.environ, PYTHONPATH=str(installed))
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow  # a pip build (~7 s)
def test_pip_install_gives_the_command_and_the_package(installed, tmp_path):
    result = _run(installed, [str(installed / "bin" / "isc-emulator"), "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    for option in ("--pat-limit", "--default-page-size", "--quirk", "--openapi-spec"):
        assert option in result.stdout
    where = _run(installed, [sys.executable, "-c", "import isc_emulator.harness as h; print(h.__file__)"], tmp_path)
    assert where.stdout.strip().startswith(str(installed)), where.stdout + where.stderr


@pytest.mark.slow
def test_the_installed_pytest_plugin_gives_users_a_tenant(installed, tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TEST))
    result = _run(installed, [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
