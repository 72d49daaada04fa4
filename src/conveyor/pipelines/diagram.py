"""A pipeline's job DAG as a Mermaid flowchart."""

from __future__ import annotations

import re

from conveyor.pipelines.spec.model import PipelineSpec

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
_LABEL_UNSAFE = re.compile(r"[\"<>`#;|]")


def job_dag_mermaid(spec: PipelineSpec) -> str:
    lines = ["graph LR"]
    for key, job in spec.jobs.items():
        label = _LABEL_UNSAFE.sub("_", job.name or key)
        matrix = f"<br/>matrix: {', '.join(job.matrix)}" if job.matrix else ""
        lines.append(f'  j_{_UNSAFE.sub("_", key)}["{label}{matrix}"]')
    for key, job in spec.jobs.items():
        for need in job.needs:
            lines.append(f"  j_{_UNSAFE.sub('_', need)} --> j_{_UNSAFE.sub('_', key)}")
    return "\n".join(lines) + "\n"
