"""The consolidation workbench's reading side: clusters of overlapping circulars in force
(computed and stored by ``refresh``, read by pages and the API), the synthetic corpus
loaded into the repository, and the progress report toward the
target number of circulars."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.circulars import audience as addressed
from darman.circulars import service, similarity, synthetic
from darman.circulars.enums import EffectKind, ProjectStatus, Status
from darman.circulars.models import (
    Circular,
    ClusterRun,
    ConsolidationProject,
    StoredCluster,
    StoredClusterMember,
)
from darman.circulars.schemas import CircularCreate, EffectIn
from darman.common.jalali import TEHRAN, format_jalali, tehran_today
from darman.common.persian import to_persian_digits
from darman.security.principal import Principal

# the seeds: about 2,000 circulars toward about 60
TARGET = 60


@dataclass(frozen=True)
class Member:
    number: str
    subject: str
    issued_on: dt.date
    status: str


@dataclass(frozen=True)
class Cluster:
    members: list[Member]
    # the closest verified pair inside the cluster and the share of the smaller text inside
    # the larger for the pair most contained
    best_jaccard: float
    best_containment: float
    # the member every other is linked to (``similarity``); "" when it has left the cluster
    centre: str = ""


@dataclass(frozen=True)
class Computed:
    """When the stored clusters were computed, by whom, over how many circulars, how long
    it took."""

    at: dt.datetime
    by: str
    circulars: int
    clusters: int
    seconds: float

    @property
    def at_fa(self) -> str:
        """Jalali day and Tehran's clock time, Persian digits."""
        local = self.at.astimezone(TEHRAN)
        return f"{format_jalali(local.date())} ساعت {to_persian_digits(local.strftime('%H:%M'))}"


def _compute(
    session: Session, *, include_amended: bool = True
) -> tuple[list[Cluster], dict[str, int], int]:
    """The clusters, the ids of their members by number, and how many circulars were read."""
    statuses = [Status.IN_FORCE.value] + ([Status.AMENDED.value] if include_amended else [])
    rows = session.execute(
        select(Circular.id, Circular.number, Circular.subject, Circular.issued_on,
               Circular.status, Circular.search_text)
        .where(Circular.status.in_(statuses))
        # oldest first: between circulars linked to as many others, the oldest is the centre
        .order_by(Circular.issued_on, Circular.number)
    ).all()  # fmt: skip
    found = similarity.cluster({r.number: r.search_text for r in rows})
    info = {r.number: r for r in rows}
    of: dict[str, int] = {}
    for i, members in enumerate(found.clusters):
        of.update((m, i) for m in members)
    best = [(0.0, 0.0)] * len(found.clusters)
    for p in found.pairs:
        at = of.get(p.a)
        # a verified pair counts for its cluster only when both ends were placed in it
        if at is not None and of.get(p.b) == at:
            best[at] = (max(best[at][0], p.jaccard), max(best[at][1], p.containment))
    out = []
    for members, (j, c) in zip(found.clusters, best, strict=True):
        ordered = sorted((info[m] for m in members), key=lambda r: (r.issued_on, r.number))
        out.append(
            Cluster(
                [Member(r.number, r.subject, r.issued_on, r.status) for r in ordered],
                j, c, centre=members[0],
            )
        )  # fmt: skip
    return out, {r.number: r.id for r in rows}, len(rows)


def compute(session: Session, who: Principal) -> list[Cluster]:
    """Groups of circulars in force today that overlap (``similarity.cluster``), largest
    first; each member oldest first. Reads every circular in force: seconds at 100,000,
    so pages read the stored ones (``clusters``)."""
    who.require_role(*service.READERS)
    return _compute(session)[0]


def refresh(session: Session, who: Principal) -> Computed:
    """Compute the clusters of the circulars in force now and store them in place of the
    last ones, audited. Headquarters only (``service.WRITERS``)."""
    who.require_role(*service.WRITERS)
    started = time.perf_counter()
    found, ids, read = _compute(session)
    millis = round(1000 * (time.perf_counter() - started))
    session.execute(delete(StoredClusterMember))
    session.execute(delete(StoredCluster))
    session.execute(delete(ClusterRun))
    run = ClusterRun(computed_by=who.username, circulars=read, clusters=len(found), millis=millis)
    session.add(run)
    session.flush()
    stored = [
        StoredCluster(run_id=run.id, rank=rank, best_jaccard=c.best_jaccard,
                      best_containment=c.best_containment)
        for rank, c in enumerate(found, start=1)
    ]  # fmt: skip
    session.add_all(stored)
    session.flush()
    # position 0 is the centre, the others oldest first
    members = [
        {"cluster_id": s.id, "circular_id": ids[number], "position": pos}
        for s, c in zip(stored, found, strict=True)
        for pos, number in enumerate(
            [c.centre, *(m.number for m in c.members if m.number != c.centre)]
        )
    ]
    if members:
        session.execute(insert(StoredClusterMember), members)
    audit.record(
        session, actor=who.username, action="circular.clusters_refresh", entity="circular",
        entity_id=f"run-{run.id}", after={"circulars": run.circulars, "clusters": run.clusters},
    )  # fmt: skip
    return _computed(run)


def _computed(run: ClusterRun) -> Computed:
    return Computed(
        run.computed_at, run.computed_by, run.circulars, run.clusters, run.millis / 1000
    )


def computed(session: Session, who: Principal) -> Computed | None:
    """When the stored clusters were computed; None if they never were."""
    who.require_role(*service.READERS)
    run = session.scalar(select(ClusterRun).order_by(ClusterRun.id.desc()).limit(1))
    return _computed(run) if run else None


def clusters(session: Session, who: Principal) -> list[Cluster]:
    """The stored clusters (``refresh``), largest first, each member oldest first. A member
    repealed or consolidated since is left out, and a cluster left with fewer than two
    members with it: what remains to consolidate. Empty if never computed."""
    who.require_role(*service.READERS)
    live = [Status.IN_FORCE.value, Status.AMENDED.value]
    rows = session.execute(
        select(StoredCluster.id, StoredCluster.best_jaccard, StoredCluster.best_containment,
               Circular.number, Circular.subject, Circular.issued_on, Circular.status,
               StoredClusterMember.position)
        .join(StoredClusterMember, StoredClusterMember.cluster_id == StoredCluster.id)
        .join(Circular, Circular.id == StoredClusterMember.circular_id)
        .where(Circular.status.in_(live))
        .order_by(StoredCluster.rank, Circular.issued_on, Circular.number)
    ).all()  # fmt: skip
    grouped: dict[int, list[Any]] = {}
    for r in rows:
        grouped.setdefault(r.id, []).append(r)
    out = [
        Cluster(
            [Member(r.number, r.subject, r.issued_on, r.status) for r in members],
            members[0].best_jaccard,
            members[0].best_containment,
            centre=next((r.number for r in members if r.position == 0), ""),
        )
        for members in grouped.values()
        if len(members) > 1
    ]
    return sorted(out, key=lambda c: -len(c.members))  # stable: rank breaks ties


def load_synthetic(session: Session, who: Principal, *, topics: int = 460, seed: int = 1405) -> int:
    """Store the synthetic corpus (``synthetic.generate``) with its effects; the number
    stored. Conflict if any of its numbers is already stored."""
    corpus = synthetic.generate(topics=topics, seed=seed)
    items = [
        CircularCreate(
            number=c.number, issued_on=c.issued_on, issuer=c.issuer, subject=c.subject,
            provinces=addressed.split(c.audience), body=c.body,
            effects=[EffectIn(kind=EffectKind(e.kind), target=e.target, provisions=e.provisions)
                     for e in c.effects],
        )
        for c in corpus
    ]  # fmt: skip
    service.create_many(session, who, items, audit_each=False)
    audit.record(
        session, actor=who.username, action="circular.load_synthetic", entity="circular",
        entity_id=f"seed-{seed}", after={"circulars": len(items), "topics": topics},
    )  # fmt: skip
    # the workbench reads stored clusters: a corpus loaded for a demo comes with them
    refresh(session, who)
    return len(items)


@dataclass(frozen=True)
class Progress:
    total: int
    in_force_before: int
    in_force_now: int
    target: int
    clusters_left: int
    projects: dict[str, int]

    @property
    def share_done(self) -> float:
        """How far from the count before consolidation to the target (0 to 1)."""
        span = self.in_force_before - self.target
        if span <= 0:
            return 1.0
        return max(0.0, min(1.0, (self.in_force_before - self.in_force_now) / span))


def progress(session: Session, who: Principal, *, day: dt.date | None = None) -> Progress:
    """Circulars in force before the first consolidation took effect and on ``day``
    (today), clusters left to consolidate, and projects by status."""
    who.require_role(*service.READERS)
    today = day or tehran_today()
    projects = list(session.scalars(select(ConsolidationProject)))
    applied = [p.effective_on for p in projects if p.status == ProjectStatus.APPLIED.value]
    before_day = min(applied) - dt.timedelta(days=1) if applied else today
    by_status = {s.value: 0 for s in ProjectStatus}
    for p in projects:
        by_status[p.status] += 1
    total = len(session.scalars(select(Circular.id)).all())
    return Progress(
        total=total,
        in_force_before=service.count_in_force(session, who, before_day),
        in_force_now=service.count_in_force(session, who, today),
        target=TARGET,
        clusters_left=len(clusters(session, who)),
        projects=by_status,
    )
