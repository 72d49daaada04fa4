from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conveyor.architecture.analyze import LayerRule, analyse
from conveyor.architecture.render import changes_between, mermaid, svg
from conveyor.pipelines.diagram import job_dag_mermaid
from conveyor.pipelines.spec import parse_definition
from tests.support.architecture import TREE


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name, text in TREE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "node_modules/lib/index.js").parent.mkdir(parents=True)
    (tmp_path / "node_modules/lib/index.js").write_text("require('./x')")
    return tmp_path


def test_python_and_typescript_imports_group_into_components(tree: Path) -> None:
    graph = analyse(tree, depth=2).as_json()
    components = {c["id"]: c["modules"] for c in graph["components"]}
    assert components == {"app": 1, "app.api": 2, "app.core": 2, "web/src": 3}
    edges = {(e["from"], e["to"]) for e in graph["edges"]}
    assert edges == {("app.api", "app.core"), ("app.core", "app.api")}
    assert graph["cycles"] == [["app.api", "app.core"]]
    assert graph["skipped"] == [{"path": "src/app/broken.py", "reason": "syntax error at line 1"}]
    assert graph["stats"]["files"] == {"python": 5, "javascript": 3}


def test_a_deeper_depth_splits_folders(tree: Path) -> None:
    edges = {(e["from"], e["to"]) for e in analyse(tree, depth=3).as_json()["edges"]}
    assert ("web/src/pages", "web/src/services") in edges and ("web/src", "web/src/pages") in edges
    assert ("web/src", "web/src/services") in edges  # the dynamic import()


def test_layering_rules_report_imports_of_a_layer_above(tree: Path) -> None:
    rule = LayerRule(layers=(("app.api",), ("app.co*",)))
    graph = analyse(tree, depth=2, rule=rule).as_json()
    assert graph["breaches"] == [
        {"from": "app.core", "to": "app.api", "rule": "layer 2 may not import layer 1"}
    ]


def test_mermaid_marks_cycles_and_changes(tree: Path) -> None:
    before = analyse(tree, depth=2).as_json()
    (tree / "src/app/extra").mkdir()
    (tree / "src/app/extra/__init__.py").write_text("import app.core.service\n")
    after = analyse(tree, depth=2).as_json()
    changes = changes_between(before, after)
    assert changes.components_added == ["app.extra"] and changes.edges_added == [["app.extra", "app.core"]]
    assert changes.new_cycles == [] and changes.components_removed == []
    text = mermaid(after, changes)
    assert text.startswith("graph LR\n") and 'c_app_extra["app.extra<br/>1 modules"]' in text
    assert "class c_app_api,c_app_core cycle" in text and "class c_app_extra added" in text
    assert "stroke:#d62728" in text and "stroke:#2ca02c" in text
    assert changes_between(None, before).new_cycles == [["app.api", "app.core"]]


def test_svg_is_well_formed(tree: Path) -> None:
    root = ET.fromstring(svg(analyse(tree, depth=2).as_json()))
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert sorted(texts) == ["app", "app.api", "app.core", "web/src"]


def test_the_job_dag_of_a_pipeline() -> None:
    spec = parse_definition(
        "jobs:\n  build:\n    steps: [{run: make}]\n  test:\n    needs: build\n"
        "    matrix: {py: ['3.11', '3.12']}\n    steps: [{run: make test}]\n"
    )
    assert job_dag_mermaid(spec) == (
        'graph LR\n  j_build["build"]\n  j_test["test<br/>matrix: py"]\n  j_build --> j_test\n'
    )


def test_module_names_start_at_the_topmost_package(tmp_path: Path) -> None:
    files = {
        "lib/pkg/__init__.py": "",
        "lib/pkg/a.py": "import pkg.b\n",
        "lib/pkg/b.py": "",
        "tools/run.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = analyse(tmp_path, depth=3).as_json()
    assert {c["id"] for c in graph["components"]} == {"pkg", "pkg.a", "pkg.b", "tools.run"}
    assert [(e["from"], e["to"]) for e in graph["edges"]] == [("pkg.a", "pkg.b")]
