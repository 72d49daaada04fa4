"""Everything a running Conveyor node is made of, built once from Settings."""

from __future__ import annotations

from dataclasses import dataclass

import socketio

from conveyor.auth.cache import PrincipalCache
from conveyor.auth.security import JwtCodec
from conveyor.auth.throttle import LoginThrottle, RedisFailures
from conveyor.channels.dispatcher import Dispatcher
from conveyor.config import Settings
from conveyor.db import Database
from conveyor.debug.watcher import DebugWatcher
from conveyor.events.bus import EventBus
from conveyor.events.realtime.commands import ClientCommands
from conveyor.events.realtime.engine import WebSocketEngine
from conveyor.events.realtime.hub import Hub
from conveyor.events.realtime.manager import create_manager
from conveyor.events.realtime.namespace import ConveyorNamespace
from conveyor.events.realtime.server import create_server
from conveyor.events.retention import EventRetention
from conveyor.executions.stats import job_figures
from conveyor.projects.live import LiveAccounts
from conveyor.projects.secrets import SecretCipher
from conveyor.runners.runtime import PipelineRuntime
from conveyor.security.advisories import health as advisory_health
from conveyor.security.runner import ScanRunner
from conveyor.system import telemetry
from conveyor.system.monitor import SystemMonitor


@dataclass
class Container:
    settings: Settings
    db: Database
    codec: JwtCodec
    principals: PrincipalCache
    cipher: SecretCipher
    bus: EventBus
    hub: Hub
    sio: socketio.AsyncServer
    websockets: WebSocketEngine
    pipelines: PipelineRuntime
    retention: EventRetention
    system: SystemMonitor
    scans: ScanRunner
    dispatcher: Dispatcher
    debugger: DebugWatcher
    logins: LoginThrottle

    @classmethod
    def build(cls, settings: Settings) -> Container:
        settings.secure_data_dir()
        db = Database(settings.resolved_database_url)
        codec = JwtCodec(
            secret=settings.resolved_jwt_secret,
            algorithm=settings.jwt_algorithm,
            ttl_seconds=settings.access_token_ttl_seconds,
            refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
            session_max_seconds=settings.session_max_seconds,
        )
        accounts = LiveAccounts(db=db, codec=codec)
        principals = PrincipalCache()
        hub = Hub(
            db=db,
            settings=settings,
            authenticator=accounts,
            visibility=accounts,
            on_access_changed=principals.forget_user,
            on_event=telemetry.observe_event,
        )
        sio = create_server(settings, create_manager(settings.redis_url, settings.redis_channel, sink=hub))
        commands = ClientCommands(hub.sessions, settings)
        sio.register_namespace(ConveyorNamespace(commands))
        websockets = WebSocketEngine(commands=commands, settings=settings, sio=sio)
        cipher = SecretCipher(settings.resolved_secrets_key)
        bus = EventBus(sio)
        pipelines = PipelineRuntime.build(settings, db, bus, cipher)
        retention = EventRetention(db=db, settings=settings)
        scans = ScanRunner(
            db=db,
            bus=bus,
            max_parallel=settings.scan_max_parallel,
            scanner_timeout=settings.scan_timeout_seconds,
            lease_seconds=settings.scan_lease_seconds,
        )
        system = SystemMonitor(
            db=db,
            bus=bus,
            settings=settings,
            jobs=job_figures,
            sockets=lambda: len(hub.sockets),
            checks={
                "runners": pipelines.runners_health,
                "scheduler": pipelines.scheduler_health,
                "advisory database": lambda: advisory_health(db),
            },
        )
        logins = LoginThrottle(
            # shared by every API process when there are several (they share Redis then)
            store=RedisFailures(settings.redis_url, settings.redis_channel) if settings.redis_url else None,
            free_per_user=settings.login_free_attempts,
            free_per_address=settings.login_free_attempts_per_address,
            max_wait=settings.login_max_wait_seconds,
        )
        return cls(
            settings,
            db,
            codec,
            principals,
            cipher,
            bus,
            hub,
            sio,
            websockets,
            pipelines,
            retention,
            system,
            scans,
            Dispatcher(db=db, bus=bus, settings=settings, cipher=cipher),
            DebugWatcher(db=db, bus=bus, settings=settings),
            logins,
        )
