"""The end-to-end suite goes where ENTREGA_BASE_URL says, and starts no stack of its own then."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from entrega_local.emulator import free_port

ROOT = Path(__file__).resolve().parents[1]


def _run_e2e(base_url: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "ENTREGA_BASE_URL": base_url}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/e2e", "-k", "openapi", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_suite_passes_against_the_deployment_it_is_given(stack):
    assert _run_e2e(stack.url).returncode == 0


def test_suite_fails_when_the_deployment_it_is_given_is_not_there():
    nothing_listens = f"http://127.0.0.1:{free_port()}"

    done = _run_e2e(nothing_listens)

    assert done.returncode == 1
    assert "ConnectionError" in done.stdout or "Connection refused" in done.stdout
