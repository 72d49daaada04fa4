"""The built-in fixers, each behind ``base.Fixer``, tried in this order; the LLM comes last."""

from __future__ import annotations

from conveyor.debug.analysis import FailedStep
from conveyor.debug.fixers.base import FixContext, Fixer, Proposal
from conveyor.debug.fixers.conflicts import DependencyConflictFixer
from conveyor.debug.fixers.exec_bit import ExecuteBitFixer
from conveyor.debug.fixers.npm import NpmPackageFixer
from conveyor.debug.fixers.pipeline_keys import PipelineKeyFixer
from conveyor.debug.fixers.python_deps import PythonDependencyFixer
from conveyor.debug.fixers.ruff import RuffFixer
from conveyor.debug.fixers.timeouts import TimeoutFixer

BUILTIN_FIXERS: tuple[Fixer, ...] = (
    PipelineKeyFixer(),
    ExecuteBitFixer(),
    DependencyConflictFixer(),
    PythonDependencyFixer(),
    NpmPackageFixer(),
    RuffFixer(),
    TimeoutFixer(),
)

__all__ = ["BUILTIN_FIXERS", "FailedStep", "FixContext", "Fixer", "Proposal"]
