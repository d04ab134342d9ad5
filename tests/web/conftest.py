"""The web app's own checks run on the project's Node with web/node_modules installed from the lockfile."""

from __future__ import annotations

import pytest

from localcloud import node


@pytest.fixture(scope="session", autouse=True)
def web_packages() -> None:
    node.ensure_web_installed()
