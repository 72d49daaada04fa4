"""The pipeline YAML format: loading with line numbers, the model, validation and job plans."""

from conveyor.pipelines.spec.model import PipelineSpec
from conveyor.pipelines.spec.plan import JobPlan, StepPlan, plan_jobs
from conveyor.pipelines.spec.validate import parse_definition

__all__ = ["JobPlan", "PipelineSpec", "StepPlan", "parse_definition", "plan_jobs"]
