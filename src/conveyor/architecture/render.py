"""Mermaid, SVG and the diff between two diagrams' graphs."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from conveyor.architecture.schemas import DiagramChanges

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
_LABEL_UNSAFE = re.compile(r"[\"<>`#;|]")


def node_id(component: str) -> str:
    return "c_" + _UNSAFE.sub("_", component)


def changes_between(previous: dict[str, Any] | None, current: dict[str, Any]) -> DiagramChanges:
    def parts(graph: dict[str, Any] | None) -> tuple[set[str], set[tuple[str, str]], set[tuple[str, ...]]]:
        if graph is None:
            return set(), set(), set()
        components = {c["id"] for c in graph["components"]}
        edges = {(e["from"], e["to"]) for e in graph["edges"]}
        return components, edges, {tuple(c) for c in graph["cycles"]}

    old_c, old_e, old_cycles = parts(previous)
    new_c, new_e, new_cycles = parts(current)
    return DiagramChanges(
        components_added=sorted(new_c - old_c),
        components_removed=sorted(old_c - new_c),
        edges_added=[list(e) for e in sorted(new_e - old_e)],
        edges_removed=[list(e) for e in sorted(old_e - new_e)],
        new_cycles=[list(c) for c in sorted(new_cycles - old_cycles)],
    )


def mermaid(graph: dict[str, Any], changes: DiagramChanges | None = None) -> str:
    """``graph LR`` with components as nodes; added ones, and edges in cycles or breaching a
    layer, styled apart."""
    lines = ["graph LR"]
    for component in graph["components"]:
        label = f"{_LABEL_UNSAFE.sub('_', component['id'])}<br/>{component['modules']} modules"
        lines.append(f'  {node_id(component["id"])}["{label}"]')
    in_cycle = {(a, b) for cycle in graph["cycles"] for a in cycle for b in cycle}
    breaching = {(b["from"], b["to"]) for b in graph["breaches"]}
    added = {tuple(e) for e in changes.edges_added} if changes else set()
    styles: list[str] = []
    for position, edge in enumerate(graph["edges"]):
        pair = (edge["from"], edge["to"])
        arrow = "-.->" if pair in breaching else "-->"
        lines.append(f"  {node_id(edge['from'])} {arrow}|{edge['imports']}| {node_id(edge['to'])}")
        if pair in breaching or pair in in_cycle:
            styles.append(f"  linkStyle {position} stroke:#d62728,stroke-width:2px")
        elif pair in added:
            styles.append(f"  linkStyle {position} stroke:#2ca02c,stroke-width:2px")
    lines += styles
    lines.append("  classDef added fill:#d4f7d4,stroke:#2ca02c,stroke-width:2px")
    lines.append("  classDef cycle fill:#fde0e0,stroke:#d62728")
    cyclic = sorted({c for cycle in graph["cycles"] for c in cycle})
    if cyclic:
        lines.append(f"  class {','.join(node_id(c) for c in cyclic)} cycle")
    if changes and changes.components_added:
        lines.append(f"  class {','.join(node_id(c) for c in changes.components_added)} added")
    return "\n".join(lines) + "\n"


def svg(graph: dict[str, Any]) -> str:
    """A plain layered drawing (no browser needed): columns by longest import path, boxes and
    arrows; cycles and breaches in red."""
    names = [c["id"] for c in graph["components"]]
    edges = [(e["from"], e["to"]) for e in graph["edges"]]
    column = _columns(names, edges)
    rows: dict[int, int] = {}
    position: dict[str, tuple[int, int]] = {}
    for name in names:
        col = column[name]
        rows[col] = rows.get(col, 0) + 1
        position[name] = (40 + col * 260, 30 + (rows[col] - 1) * 60)
    width = 40 + (max(column.values(), default=0) + 1) * 260
    height = 30 + max(rows.values(), default=1) * 60
    red = {(b["from"], b["to"]) for b in graph["breaches"]}
    red |= {(a, b) for cycle in graph["cycles"] for a in cycle for b in cycle}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="12"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>'
    ]
    for a, b in edges:
        (x1, y1), (x2, y2) = position[a], position[b]
        colour = "#d62728" if (a, b) in red else "#888"
        parts.append(
            f'<line x1="{x1 + 200}" y1="{y1 + 18}" x2="{x2}" y2="{y2 + 18}" stroke="{colour}" '
            'marker-end="url(#arrow)"/>'
        )
    for name in names:
        x, y = position[name]
        parts.append(
            f'<rect x="{x}" y="{y}" width="200" height="36" rx="6" fill="#eef3fb" stroke="#4a6fa5"/>'
            f'<text x="{x + 100}" y="{y + 22}" text-anchor="middle">{escape(name[:32])}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _columns(names: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest path from a component with no importer, ignoring edges that close a cycle."""
    column = dict.fromkeys(names, 0)
    for _ in range(len(names)):
        moved = False
        for a, b in edges:
            if column[b] < column[a] + 1 <= len(names):
                column[b] = column[a] + 1
                moved = True
        if not moved:
            break
    return column
