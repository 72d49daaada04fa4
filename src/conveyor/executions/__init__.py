"""Executions: runs of a pipeline, their jobs, steps, logs and artifacts; the update path runners
report through; the DAG that moves a run along; the triggers (manual, push webhooks, schedules)."""
