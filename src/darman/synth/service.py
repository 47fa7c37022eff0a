"""Seeding the synthetic national dataset into an empty registry, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import Conflict, InvalidInput
from darman.db import bulk as loader
from darman.db.base import utcnow
from darman.registry import provinces
from darman.registry.models import Facility, Insured, Service
from darman.synth import generator
from darman.synth.models import SeedRun

GENERATOR_VERSION = "1"
MAX_SCALE = 1.0

# progress(stage label, rows done in this step, rows expected in the stage or None)
Progress = Callable[[str, int, int | None], None]


@dataclass
class SeedResult:
    scale: float
    seed: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def existing_seed(session: Session) -> SeedRun | None:
    return session.scalar(select(SeedRun).order_by(SeedRun.id.desc()).limit(1))


def rebuilt_by(run: SeedRun) -> tuple[float, int]:
    """The scale and seed that rebuild in memory the registry ``run`` loaded, for data drawn
    on it by id (the demo's claims name its facilities and people).

    Raises Conflict when another version of the generator loaded it: the same scale and
    seed no longer make the same facilities and people."""
    if run.version != GENERATOR_VERSION:
        raise Conflict(
            f"داده‌ی این پایگاه داده را نسخه‌ی {run.version} سازنده‌ی داده‌ی مصنوعی ساخته است "
            f"و این نسخه‌ی Darman نسخه‌ی {GENERATOR_VERSION} را دارد: مقیاس {run.scale} و "
            f"بذر {run.seed} دیگر همان مراکز و افراد را نمی‌سازند و داده‌ی نمایشی بر آن "
            "ساخته نمی‌شود. darman demo را روی پایگاه داده‌ای تازه اجرا کنید "
            "(DARMAN_DATABASE_URL دیگری)"
        )
    return run.scale, run.seed


def seed(
    session: Session, *, scale: float, seed: int, progress: Progress | None = None
) -> SeedResult:
    """Generate and load the dataset at ``scale`` of the nation with random ``seed``.

    Preconditions: the registry holds no facilities, insured or services (the
    dataset owns its ids). Raises InvalidInput for a scale outside (0, 1] and
    Conflict when data is already there. Nothing is committed here; the caller
    commits, so a failure part-way leaves the database as it was.
    """
    if not 0 < scale <= MAX_SCALE:
        raise InvalidInput(f"scale must be above 0 and at most {MAX_SCALE}, got {scale}")
    for model in (Facility, Insured, Service):
        if session.scalar(select(func.count()).select_from(model)):
            raise Conflict(
                f"the registry already holds {model.__tablename__}; seed an empty database"
            )
    report = progress or (lambda _stage, _n, _total: None)
    provinces.ensure_loaded(session)
    facts = provinces.read_facts()
    plans = generator.plan(facts, scale=scale, seed=seed)
    conn = session.connection()
    result = SeedResult(scale=scale, seed=seed)

    def put(table: generator.TableRows, stage: str) -> None:
        loader.load(
            conn, table.table, table.columns, table.rows, progress=lambda n: report(stage, n, None)
        )
        result.counts[table.table] = result.counts.get(table.table, 0) + len(table.rows)

    for table in generator.catalogue_tables():
        put(table, "catalogues")
    facilities = generator.facilities(plans, seed=seed)
    put(facilities, "facilities")
    people, links = generator.practitioners(plans, facilities, scale=scale, seed=seed)
    put(people, "practitioners")
    put(links, "practitioners")
    total_insured = sum(p.insured for p in plans)
    report("insured", 0, total_insured)
    for chunk in generator.insured(plans, seed=seed):
        put(chunk, "insured")
    report("coverage", 0, None)
    for chunk in generator.coverage(plans, seed=seed):
        put(chunk, "coverage")
    loader.reset_sequences(
        conn,
        [
            "services",
            "drugs",
            "drug_years",
            "tariffs",
            "facilities",
            "practitioners",
            "practitioner_facilities",
            "insured",
            "coverage_periods",
        ],
    )
    session.add(
        SeedRun(
            scale=scale,
            seed=seed,
            rows=result.rows,
            version=GENERATOR_VERSION,
            finished_at=utcnow(),
        )
    )
    audit.record(
        session,
        actor="system",
        action="seed",
        entity="dataset",
        entity_id=f"{scale}:{seed}",
        after={"scale": scale, "seed": seed, **result.counts},
    )
    session.flush()
    return result
