"""A step or job that ran out of time gets twice as long; a job whose network failed, retries."""

from __future__ import annotations

from conveyor.debug.analysis import FailedStep
from conveyor.debug.fixers.base import FixContext, Proposal
from conveyor.debug.fixers.yamledit import set_value
from conveyor.debug.schemas import PatchTarget
from conveyor.errors import InvalidInput
from conveyor.pipelines.spec import parse_definition

RETRIES = 2


class TimeoutFixer:
    name = "timeout"

    async def propose(self, ctx: FixContext) -> Proposal | None:
        if ctx.definition is None:
            return None
        timed_out = next((f for f in ctx.failed if f.timed_out), None)
        if timed_out is not None:
            return _longer(ctx.definition, timed_out)
        if ctx.label == "network" and ctx.failed:
            return _retry(ctx.definition, ctx.failed[0])
        return None


def _longer(definition: str, failed: FailedStep) -> Proposal | None:
    job_path = ("jobs", failed.job)
    if failed.step_timeout is not None and failed.step_index is not None:
        seconds, where = int(failed.step_timeout * 2), f"step {failed.step!r} of job {failed.job}"
        new = set_value(definition, (*job_path, "steps", failed.step_index), "timeout", str(seconds))
    else:
        seconds, where = int(failed.job_timeout * 2), f"job {failed.job}"
        new = set_value(definition, job_path, "timeout", str(seconds))
    if new is None or not _valid(new):
        return None
    old = failed.step_timeout if failed.step_timeout is not None else failed.job_timeout
    explanation = f"{where} timed out after {old:g}s; its timeout is doubled to {seconds}s."
    return Proposal("timeout", PatchTarget.PIPELINE, explanation, 0.6, new)


def _retry(definition: str, failed: FailedStep) -> Proposal | None:
    new = set_value(definition, ("jobs", failed.job), "retries", str(RETRIES))
    if new is None or not _valid(new):
        return None
    explanation = (
        f"job {failed.job} failed on the network, which is often transient; it now retries {RETRIES} times."
    )
    return Proposal("retry", PatchTarget.PIPELINE, explanation, 0.5, new)


def _valid(definition: str) -> bool:
    try:
        parse_definition(definition)
    except InvalidInput:
        return False
    return True
