"""Pipelines: a project's YAML definitions and the pipeline language (``spec/``)."""
