"""The runner of a server node (the local executor, the reaper)."""

from __future__ import annotations

from dataclasses import dataclass, field

from conveyor.db import Database
from conveyor.events.bus import EventBus
from conveyor.executions.sqlstore import SqlRunnerStore
from conveyor.projects.secrets import SecretCipher
from conveyor.runners.job import Runner


@dataclass(kw_only=True)
class RunnerEnv(Runner):
    """A runner on a server node: it shares the server's database, bus and secrets key."""

    db: Database
    bus: EventBus
    cipher: SecretCipher
    store: SqlRunnerStore = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.store = SqlRunnerStore(self.db, self.bus, self.cipher)
