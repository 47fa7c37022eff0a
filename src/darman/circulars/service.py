"""The repository of circulars: record one (with its effects on others), read one, its
timeline, and what was in force on a day.

Circulars are the insurer's own administrative texts, not people's data: every member of
staff reads them all (``READERS``); headquarters writes them (``WRITERS``). Every write is
audited in the caller's transaction; nothing here commits."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.circulars import audience, rules, text
from darman.circulars.enums import EFFECT_FA, STATUS_FA, EffectKind, Status
from darman.circulars.models import Circular, CircularAudience, CircularEffect
from darman.circulars.schemas import (
    CircularCreate,
    CircularRead,
    EffectIn,
    EffectRead,
    EventRead,
)
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound
from darman.common.jalali import format_jalali, tehran_today
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

READERS = roles_that(Act.READ_CIRCULARS)
WRITERS = roles_that(Act.WRITE_CIRCULARS)
EVENT_FA = {"issued": "صدور", "effective": "لازم‌الاجرا شدن"}
BY_FA = {
    EffectKind.REPEALS: "نسخ شد",
    EffectKind.AMENDS: "اصلاح شد",
    EffectKind.REPLACES: "جایگزین شد",
    EffectKind.CONSOLIDATES: "در بخشنامه‌ی تجمیعی ادغام و نسخ شد",
    EffectKind.CLARIFIES: "تفسیر شد",
}


class CircularNotFound(NotFound):
    pass


def searchable(subject: str, body: str) -> str:
    """What the index and the clustering read of a circular."""
    return text.normalize(subject + " " + body)


def read(c: Circular) -> CircularRead:
    status = Status(c.status)
    bound = audience.of(c.addressed_to)
    return CircularRead(
        number=c.number,
        issued_on=c.issued_on,
        issued_on_fa=format_jalali(c.issued_on),
        effective_from=c.effective_from,
        issuer=c.issuer,
        subject=c.subject,
        audience=c.audience,
        provinces=bound.provinces,
        provinces_fa=bound.provinces_fa,
        facility_kinds=bound.facility_kinds,
        facility_kinds_fa=bound.facility_kinds_fa,
        audience_fa=bound.describe(),
        status=status.value,
        status_fa=STATUS_FA[status],
        body=c.body,
    )


def _by_numbers(session: Session, numbers: Iterable[str]) -> dict[str, Circular]:
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    rows = session.scalars(select(Circular).where(Circular.number.in_(wanted)))
    return {c.number: c for c in rows}


def get(session: Session, who: Principal, number: str) -> Circular:
    """The circular numbered ``number``; CircularNotFound if there is none."""
    who.require_role(*READERS)
    found = session.scalar(select(Circular).where(Circular.number == number))
    if found is None:
        raise CircularNotFound(
            f"بخشنامه‌ای با شماره‌ی {number} نیست", [FieldProblem("number", "ناموجود")]
        )
    return found


def create_many(
    session: Session,
    who: Principal,
    items: Sequence[CircularCreate],
    *,
    rows: Sequence[int] | None = None,
    audit_each: bool = True,
) -> list[Circular]:
    """Record circulars and their effects, all or none.

    A number already stored, or twice in ``items``, is a Conflict; an effect naming a
    circular that is neither stored nor among ``items``, or the circular itself, is
    InvalidInput. ``rows`` (the user's row numbers) locate each problem. The targets'
    statuses follow the effects as of today. Each circular is audited, unless the caller
    audits the batch as one entry (``audit_each=False``)."""
    who.require_role(*WRITERS)
    where = list(rows) if rows is not None else [None] * len(items)
    numbers = [i.number for i in items]
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    existing = _by_numbers(session, numbers)
    for item, row in zip(items, where, strict=True):
        if item.number in seen or item.number in existing:
            problems.append(FieldProblem("number", f"شماره‌ی {item.number} تکراری است", row))
        seen.add(item.number)
    addressed, wrong = _addressed(items, where)
    problems += wrong
    targets = _by_numbers(session, [e.target for i in items for e in i.effects])
    for item, row in zip(items, where, strict=True):
        for effect in item.effects:
            refusal = rules.refusal_of_effect(item.number, effect.target, effect.kind)
            if refusal:
                problems.append(FieldProblem("effects", refusal, row))
            elif effect.target not in targets and effect.target not in seen:
                problems.append(
                    FieldProblem("effects", f"بخشنامه‌ی {effect.target} در مخزن نیست", row)
                )
    if problems:
        conflict = all("تکراری" in p.reason for p in problems)
        error = Conflict if conflict else InvalidInput
        raise error("بخشنامه‌ها ثبت نشدند؛ ایراد هر ردیف گفته شده است", problems)
    today = tehran_today()
    made: list[Circular] = []
    for item, pairs in zip(items, addressed, strict=True):
        c = Circular(
            number=item.number,
            issued_on=item.issued_on,
            effective_from=item.effective_from or item.issued_on,
            issuer=item.issuer,
            subject=item.subject,
            audience=item.audience,
            body=item.body,
            status=Status.IN_FORCE.value,
            search_text=searchable(item.subject, item.body),
            addressed_to=[CircularAudience(kind=kind, code=code) for kind, code in pairs],
        )
        session.add(c)
        made.append(c)
    session.flush()
    known = {**targets, **{c.number: c for c in made}}
    effects_in = {i.number: i.effects for i in items}
    touched: set[int] = set()
    for item, c in zip(items, made, strict=True):
        for effect in item.effects:
            touched.add(_add_effect(session, c, known[effect.target], effect))
    refresh_statuses(session, today, ids=touched)
    for c in made if audit_each else []:
        audit.record(
            session, actor=who.username, action="circular.create", entity="circular",
            entity_id=c.number,
            after={"subject": c.subject, "issuer": c.issuer, "issued_on": c.issued_on.isoformat(),
                   "audience": audience.of(c.addressed_to).describe(),
                   "effects": [e.model_dump(mode="json") for e in effects_in[c.number]]},
        )  # fmt: skip
    return made


def _addressed(
    items: Sequence[CircularCreate], rows: Sequence[int | None]
) -> tuple[list[list[tuple[str, str]]], list[FieldProblem]]:
    """Each item's (kind, code) audience pairs, and the names that are no province or kind."""
    pairs: list[list[tuple[str, str]]] = []
    problems: list[FieldProblem] = []
    for item, row in zip(items, rows, strict=True):
        found, wrong = audience.resolve(item.provinces, item.facility_kinds, row)
        pairs.append(found)
        problems += wrong
    return pairs, problems


def create(session: Session, who: Principal, item: CircularCreate) -> Circular:
    """One circular from a form or the API; see ``create_many`` for the rules."""
    return create_many(session, who, [item])[0]


def _add_effect(session: Session, source: Circular, target: Circular, effect: EffectIn) -> int:
    session.add(
        CircularEffect(
            source_id=source.id,
            target_id=target.id,
            kind=effect.kind.value,
            provisions=effect.provisions,
            effective_on=effect.effective_on or source.effective_from,
        )
    )
    return target.id


def add_effect(
    session: Session,
    who: Principal,
    *,
    source: str,
    effect: EffectIn,
    action: str = "circular.effect",
) -> None:
    """Record that ``source`` acts on ``effect.target``; the target's status follows as of
    today. InvalidInput for an effect on itself, CircularNotFound for either number."""
    who.require_role(*WRITERS)
    refusal = rules.refusal_of_effect(source, effect.target, effect.kind)
    if refusal:
        raise InvalidInput(refusal, [FieldProblem("target", refusal)])
    src = get(session, who, source)
    target = get(session, who, effect.target)
    _add_effect(session, src, target, effect)
    refresh_statuses(session, tehran_today(), ids={target.id})
    audit.record(
        session, actor=who.username, action=action, entity="circular", entity_id=target.number,
        after={"source": source, **effect.model_dump(mode="json")},
    )  # fmt: skip


def _effects_on(
    session: Session, ids: Iterable[int] | None = None
) -> dict[int, list[rules.Effect]]:
    src = Circular.__table__.alias("src")
    tgt = Circular.__table__.alias("tgt")
    q = (
        select(
            CircularEffect.target_id, src.c.number, tgt.c.number, CircularEffect.kind,
            CircularEffect.effective_on, CircularEffect.provisions,
        )
        .join(src, src.c.id == CircularEffect.source_id)
        .join(tgt, tgt.c.id == CircularEffect.target_id)
    )  # fmt: skip
    if ids is not None:
        q = q.where(CircularEffect.target_id.in_(sorted(ids)))
    out: dict[int, list[rules.Effect]] = defaultdict(list)
    for target_id, s, t, kind, on, provisions in session.execute(q):
        out[target_id].append(rules.Effect(s, t, EffectKind(kind), on, provisions))
    return out


def refresh_statuses(session: Session, day: dt.date, *, ids: Iterable[int] | None = None) -> int:
    """Bring the stored status of the circulars ``ids`` (all with effects if None) to what
    their effects make of them on ``day``; the number changed."""
    effects = _effects_on(session, ids)
    if not effects:
        return 0
    rows = session.execute(
        select(Circular.id, Circular.effective_from, Circular.status).where(
            Circular.id.in_(sorted(effects))
        )
    )
    changed = 0
    for cid, start, stored in rows:
        now = rules.status_on(max(day, start), effective_from=start, effects_on_it=effects[cid])
        if now is not None and now.value != stored:
            session.execute(update(Circular).where(Circular.id == cid).values(status=now.value))
            changed += 1
    return changed


@dataclass(frozen=True)
class InForce:
    circular: Circular
    status: Status
    amendments: list[rules.Effect]


def in_force(
    session: Session,
    who: Principal,
    day: dt.date,
    *,
    issuer: str | None = None,
    province: str | None = None,
    facility_kind: str | None = None,
) -> list[InForce]:
    """The circulars that applied on ``day`` (issued and effective by then, not repealed,
    replaced or consolidated by then), each with its status then and the amendments in
    force then, oldest first; with ``province`` or ``facility_kind`` (codes), only those
    binding it (``audience.binds``)."""
    who.require_role(*READERS)
    q = select(Circular).where(Circular.effective_from <= day)
    if issuer:
        q = q.where(Circular.issuer == issuer)
    if province:
        q = q.where(audience.binds(audience.PROVINCE, province))
    if facility_kind:
        q = q.where(audience.binds(audience.FACILITY_KIND, facility_kind))
    found = list(session.scalars(q.order_by(Circular.issued_on, Circular.number)))
    effects = _effects_on(session)
    out: list[InForce] = []
    for c in found:
        status = rules.status_on(day, effective_from=c.effective_from, effects_on_it=effects[c.id])
        if status is None or status is Status.REPEALED:
            continue
        amendments = [
            e for e in effects[c.id] if e.kind is EffectKind.AMENDS and e.effective_on <= day
        ]
        out.append(InForce(c, status, amendments))
    return out


def count_in_force(session: Session, who: Principal, day: dt.date) -> int:
    return len(in_force(session, who, day))


def effects_of(
    session: Session, who: Principal, number: str
) -> tuple[list[EffectRead], list[EffectRead]]:
    """(effects of others on the circular, its effects on others)."""
    c = get(session, who, number)
    src = Circular.__table__.alias("src")
    tgt = Circular.__table__.alias("tgt")
    q = (
        select(src.c.number, tgt.c.number, CircularEffect.kind, CircularEffect.provisions,
               CircularEffect.effective_on)
        .join(src, src.c.id == CircularEffect.source_id)
        .join(tgt, tgt.c.id == CircularEffect.target_id)
        .order_by(CircularEffect.effective_on, CircularEffect.id)
    )  # fmt: skip
    on_it = [
        EffectRead(source=s, target=t, kind=EffectKind(k), provisions=p, effective_on=d,
                   effective_on_fa=format_jalali(d))
        for s, t, k, p, d in session.execute(q.where(CircularEffect.target_id == c.id))
    ]  # fmt: skip
    by_it = [
        EffectRead(source=s, target=t, kind=EffectKind(k), provisions=p, effective_on=d,
                   effective_on_fa=format_jalali(d))
        for s, t, k, p, d in session.execute(q.where(CircularEffect.source_id == c.id))
    ]  # fmt: skip
    return on_it, by_it


def timeline(session: Session, who: Principal, number: str) -> list[EventRead]:
    """The circular's history in date order, each event labelled in Persian."""
    c = get(session, who, number)
    on_it, by_it = effects_of(session, who, number)

    def plain(e: EffectRead) -> rules.Effect:
        return rules.Effect(e.source, e.target, e.kind, e.effective_on, e.provisions)

    events = rules.timeline(
        issued_on=c.issued_on,
        effective_from=c.effective_from,
        effects_on_it=[plain(e) for e in on_it],
        effects_by_it=[plain(e) for e in by_it],
    )
    out = []
    for e in events:
        if e.direction == "self":
            label = EVENT_FA[e.kind]
        elif e.direction == "by":
            label = f"{BY_FA[EffectKind(e.kind)]} با بخشنامه‌ی {e.other}"
        else:
            label = f"بخشنامه‌ی {e.other} را {EFFECT_FA[EffectKind(e.kind)]}"
        out.append(
            EventRead(on=e.on, on_fa=format_jalali(e.on), kind=e.kind, label_fa=label,
                      other=e.other, direction=e.direction, provisions=e.provisions)
        )  # fmt: skip
    return out


def counts_by_status(session: Session, who: Principal) -> dict[str, int]:
    who.require_role(*READERS)
    rows = session.execute(select(Circular.status, func.count()).group_by(Circular.status))
    return {status: n for status, n in rows}
