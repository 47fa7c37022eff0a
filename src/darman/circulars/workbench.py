"""The consolidation workbench's reading side: clusters of overlapping circulars in force,
the synthetic corpus loaded into the repository, and the progress report toward the
target number of circulars."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.circulars import audience as addressed
from darman.circulars import service, similarity, synthetic
from darman.circulars.enums import EffectKind, ProjectStatus, Status
from darman.circulars.models import Circular, ConsolidationProject
from darman.circulars.schemas import CircularCreate, EffectIn
from darman.common.jalali import tehran_today
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


def clusters(session: Session, who: Principal, *, include_amended: bool = True) -> list[Cluster]:
    """Groups of circulars in force today that overlap (``similarity.cluster``), largest
    first; each member oldest first."""
    who.require_role(*service.READERS)
    statuses = [Status.IN_FORCE.value] + ([Status.AMENDED.value] if include_amended else [])
    rows = session.execute(
        select(Circular.number, Circular.subject, Circular.issued_on, Circular.status,
               Circular.search_text).where(Circular.status.in_(statuses))
    ).all()  # fmt: skip
    found = similarity.cluster({r.number: r.search_text for r in rows})
    info = {r.number: r for r in rows}
    best: dict[frozenset[object], tuple[float, float]] = {}
    out = []
    for members in found.clusters:
        keys = set(members)
        pairs = [p for p in found.pairs if p.a in keys]
        best[frozenset(keys)] = (
            max(p.jaccard for p in pairs),
            max(p.containment for p in pairs),
        )
        ordered = sorted((info[str(m)] for m in members), key=lambda r: (r.issued_on, r.number))
        out.append(
            Cluster(
                [Member(r.number, r.subject, r.issued_on, r.status) for r in ordered],
                *best[frozenset(keys)],
            )
        )
    return out


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
