"""Imports every domain's tables so that ``metadata`` (used by Alembic) is complete."""

from conveyor.architecture import models as architecture_models
from conveyor.auth import models as auth_models
from conveyor.channels import models as channel_models
from conveyor.db import Base
from conveyor.debug import models as debug_models
from conveyor.events import models as event_models
from conveyor.executions import models as execution_models
from conveyor.forge import models as forge_models
from conveyor.notifications import models as notification_models
from conveyor.pipelines import models as pipeline_models
from conveyor.projects import models as project_models
from conveyor.security import models as security_models
from conveyor.system import models as system_models
from conveyor.workers import models as worker_models

metadata = Base.metadata

__all__ = [
    "architecture_models",
    "auth_models",
    "channel_models",
    "debug_models",
    "event_models",
    "execution_models",
    "forge_models",
    "metadata",
    "notification_models",
    "pipeline_models",
    "project_models",
    "security_models",
    "system_models",
    "worker_models",
]
