"""Imports follow the dependency table of style.md §3: platform_console core imports no other app;
accounts imports only platform_console; requirements_engine, money and support_cases import
accounts and platform_console but not one another. The shell (project urls, the shell views and
the demo command) may import every app; the benchmark lives outside the apps (tests/perf/bench)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = {"platform_console", "accounts", "requirements_engine", "money", "support_cases"}
ALLOWED = {
    "platform_console": set(),
    "accounts": {"platform_console"},
    "requirements_engine": {"platform_console", "accounts"},
    "money": {"platform_console", "accounts"},
    "support_cases": {"platform_console", "accounts"},
}
SHELL = {
    Path("platform_console/urls.py"),
    Path("platform_console/views.py"),
    Path("platform_console/management/commands/seed_demo.py"),
}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & APPS


def modules():
    for app in sorted(APPS):
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" not in relative.parts and relative not in SHELL:
                yield app, relative


@pytest.mark.parametrize("app,relative", list(modules()), ids=str)
def test_imports_follow_the_dependency_table(app, relative):
    forbidden = imported_apps(ROOT / relative) - ALLOWED[app] - {app}
    assert not forbidden, f"{relative} imports {sorted(forbidden)}"
