"""Imports point down: the domain never reaches into the HTTP layer (imagedrive.api, chalice), and the
packages that share the visibility rule do not import each other for it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "layers" / "imagedrive"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _modules(folder: Path) -> dict[str, set[str]]:
    return {str(path.relative_to(PACKAGE)): _imports(path) for path in sorted(folder.rglob("*.py"))}


def _importing(modules: dict[str, set[str]], *prefixes: str) -> list[str]:
    return [name for name, imported in modules.items()
            if any(module == prefix or module.startswith(prefix + ".") for module in imported for prefix in prefixes)]


def test_no_domain_module_imports_the_http_layer():
    domain = {name: imported for name, imported in _modules(PACKAGE).items() if not name.startswith("api/")}
    assert len(domain) > 50
    assert _importing(domain, "imagedrive.api", "chalice") == []


def test_indexing_does_not_import_images_and_visibility_imports_no_package():
    assert _importing(_modules(PACKAGE / "indexing"), "imagedrive.images", "imagedrive.categories") == []
    imported = _imports(PACKAGE / "visibility.py")
    assert {module for module in imported if module.startswith("imagedrive")} == set()
