"""docs/architecture.md names every top-level package of src/conveyor, and only those; each
domain has the modules the map says it has, and its routes authorize through dependencies."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
SOURCE = ROOT / "src" / "conveyor"
PACKAGE_ROW = re.compile(r"^\| `(?P<name>[a-z_]+)/` \|", re.MULTILINE)


def named_in_the_map() -> set[str]:
    return set(PACKAGE_ROW.findall((ROOT / "docs" / "architecture.md").read_text()))


def packages_in_the_tree() -> set[str]:
    return {
        path.name
        for path in SOURCE.iterdir()
        if path.is_dir() and not path.name.startswith(("_", ".")) and any(path.glob("*.py"))
    }


def test_the_map_names_every_top_level_package_and_no_other() -> None:
    named, present = named_in_the_map(), packages_in_the_tree()
    assert named - present == set(), "named in docs/architecture.md but missing from src/conveyor"
    assert present - named == set(), "in src/conveyor but not named in docs/architecture.md"


def test_the_map_was_read() -> None:
    assert {"events", "executions", "pipelines", "runners"} <= named_in_the_map()


# A domain is a package with routes. system/ keeps a service module per concern (alerts.py,
# status.py, metrics.py) instead of one service.py.
SERVICES_ELSEWHERE = {"system"}


def test_every_domain_has_models_schemas_service_and_routes() -> None:
    domains = {routes.parent for routes in SOURCE.glob("*/routes.py")}
    assert len(domains) >= 13
    missing = {
        f"{domain.name}/{module}"
        for domain in domains
        for module in ("models.py", "schemas.py", "service.py")
        if not (domain / module).is_file()
        and not (module == "service.py" and domain.name in SERVICES_ELSEWHERE)
    }
    assert missing == set()


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def test_routes_authorize_through_dependencies_not_require_calls_in_their_bodies() -> None:
    calls = [
        f"{routes.relative_to(SOURCE)}:{node.lineno} {_called_name(node)}"
        for routes in SOURCE.glob("*/routes.py")
        for node in ast.walk(ast.parse(routes.read_text()))
        if isinstance(node, ast.Call) and _called_name(node).startswith("require_")
    ]
    assert calls == [], "authorize with a <Thing>As<Role> dependency (deps.py) instead"
