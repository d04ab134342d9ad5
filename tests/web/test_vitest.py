"""The web app's component and store tests (Vitest) pass."""

from __future__ import annotations

from tests.web.npm import run_npm


def test_vitest_component_and_store_tests_pass():
    result = run_npm("run", "test:unit")
    output = (result.stdout + result.stderr).decode(errors="replace")
    assert result.returncode == 0, output[-6000:]
    assert " passed" in output
