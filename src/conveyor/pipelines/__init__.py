"""Pipelines: YAML definitions, executions, their jobs, steps, logs and artifacts."""
