"""The advisory database: OSV records in the database, the shipped snapshot loaded on first use,
imports from a folder or zip (``conveyor advisories import``), and lookups for a scan."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import Database, utcnow
from conveyor.security.models import Advisory, AdvisoryPackage
from conveyor.security.osv import (
    SHIPPED,
    AdvisoryError,
    AdvisoryIndex,
    package_keys,
    parse_advisory,
    read_records,
)
from conveyor.security.schemas import AdvisoryStatus
from conveyor.system.schemas import Health
from conveyor.system.status import ADVISORY_MAX_AGE_DAYS, Check

SHIPPED_SOURCE = "pypa-advisory-database@3ccb612"
_first_use = asyncio.Lock()


def read_folder(path: Path) -> list[dict[str, Any]]:
    """Every record of a folder or zip, each checked to parse: one malformed file refuses the import."""
    records = []
    for name, record in read_records(path):
        try:
            parse_advisory(record)
        except AdvisoryError as exc:
            raise AdvisoryError(f"{name}: {exc}") from None
        records.append(record)
    return records


async def import_records(
    session: AsyncSession, records: list[dict[str, Any]], *, source: str
) -> tuple[int, int]:
    """Add or update the records (a newer ``modified`` wins); (added, updated). The caller commits."""
    added = updated = 0
    existing = {
        row.id: row
        for chunk in _chunks([r["id"] for r in records], 500)
        for row in (await session.execute(select(Advisory).where(Advisory.id.in_(chunk)))).scalars()
    }
    for record in records:
        advisory = parse_advisory(record)
        row = existing.get(advisory.id)
        if row is not None and row.modified and advisory.modified and advisory.modified <= row.modified:
            continue
        text = json.dumps(record, default=str, separators=(",", ":"))
        if row is None:
            row = Advisory(id=advisory.id)
            session.add(row)
            existing[advisory.id] = row
            added += 1
        else:
            updated += 1
            await session.execute(delete(AdvisoryPackage).where(AdvisoryPackage.advisory_id == row.id))
        row.source, row.modified, row.record, row.imported_at = source, advisory.modified, text, utcnow()
        session.add_all(
            AdvisoryPackage(ecosystem=e, name=n, advisory_id=advisory.id) for e, n in package_keys(record)
        )
        if (added + updated) % 500 == 0:
            await session.flush()
    return added, updated


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def ensure_loaded(db: Database) -> None:
    """Load the shipped snapshot the first time the database has no advisories."""
    async with _first_use:
        async with db.session() as session:
            if await session.scalar(select(func.count()).select_from(Advisory)):
                return
        records = await asyncio.to_thread(lambda: [r for _, r in read_records(SHIPPED)])
        async with db.write_session() as session:
            if await session.scalar(select(func.count()).select_from(Advisory)):
                return  # another node loaded it meanwhile
            await import_records(session, records, source=SHIPPED_SOURCE)
            await session.commit()


async def lookup(db: Database, keys: set[tuple[str, str]]) -> AdvisoryIndex:
    """The advisories naming any of these (ecosystem, normalized name) packages."""
    return AdvisoryIndex(await records(db, keys))


async def records(db: Database, keys: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """The OSV records of the advisories naming any of these (ecosystem, normalized name)
    packages: what a worker's scan step matches its workspace against."""
    await ensure_loaded(db)
    found: list[dict[str, Any]] = []
    async with db.session() as session:
        ids: set[str] = set()
        for chunk in [list(keys)[i : i + 300] for i in range(0, len(keys), 300)]:
            statement = select(AdvisoryPackage.advisory_id).where(
                tuple_(AdvisoryPackage.ecosystem, AdvisoryPackage.name).in_(chunk)
            )
            ids.update((await session.execute(statement)).scalars())
        for id_chunk in _chunks(sorted(ids), 500):
            rows = await session.execute(select(Advisory.record).where(Advisory.id.in_(id_chunk)))
            found.extend(json.loads(text) for text in rows.scalars())
    return found


async def health(db: Database) -> Check:
    """For the system status: how fresh the newest advisory is (``unknown`` before the first load)."""
    async with db.session() as session:
        newest = await session.scalar(select(func.max(Advisory.modified)))
        count = await session.scalar(select(func.count()).select_from(Advisory)) or 0
    if not count or newest is None:
        return Check(Health.UNKNOWN, "not loaded yet: the first scan loads the shipped snapshot")
    age_days = (utcnow() - newest).total_seconds() / 86400
    if age_days > ADVISORY_MAX_AGE_DAYS:
        detail = f"{count} advisories, the newest {age_days:.0f} days old: import a fresh export"
        return Check(Health.DEGRADED, detail)
    return Check(Health.OK, f"{count} advisories, the newest {age_days:.1f} days old")


async def status(session: AsyncSession) -> AdvisoryStatus:
    count = await session.scalar(select(func.count()).select_from(Advisory)) or 0
    packages = await session.scalar(select(func.count(func.distinct(AdvisoryPackage.name)))) or 0
    newest = await session.scalar(select(func.max(Advisory.modified)))
    imported = await session.scalar(select(func.max(Advisory.imported_at)))
    sources = Counter(
        dict(
            (await session.execute(select(Advisory.source, func.count()).group_by(Advisory.source)))
            .tuples()
            .all()
        )
    )
    return AdvisoryStatus(
        advisories=count,
        packages=packages,
        newest_modified=newest,
        last_imported_at=imported,
        sources=dict(sources),
    )
