"""The dated history of the national office's targets and ranking weights, read from the
audit log, where every change is already recorded with who made it, when, and the value
before and after: the log is the history, so no second copy of it is kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from darman.audit.models import AuditEntry
from darman.registry.models import Province
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

READERS = roles_that(Act.READ_PERFORMANCE)
TARGET_SET = "performance.target.set"
WEIGHT_SET = "performance.weight.set"


@dataclass(frozen=True)
class Change:
    at: dt.datetime
    actor: str
    kind: str  # "target" or "weight"
    indicator: str
    province_code: str | None  # targets only
    period: str | None  # targets only
    before: float | None  # None: first set
    after: float | None


def changes(session: Session, who: Principal, *, limit: int = 100) -> list[Change]:
    """The latest changes of targets and weights, newest first. A provincial manager sees
    the weights and their own province's targets only."""
    who.require_role(*READERS)
    query = select(AuditEntry).where(AuditEntry.action.in_([TARGET_SET, WEIGHT_SET]))
    if not who.is_national:
        query = query.where(
            or_(
                AuditEntry.action == WEIGHT_SET,
                AuditEntry.entity_id.like(f"%/{int(who.province_id or 0)}/%"),
            )
        )
    entries = session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit)).all()
    codes = dict(session.execute(select(Province.id, Province.code)).all())
    return [_change(e, codes) for e in entries]


def _value(snapshot: dict | None, key: str) -> float | None:
    if not snapshot or snapshot.get(key) is None:
        return None
    return float(snapshot[key])


def _change(entry: AuditEntry, codes: dict[int, str]) -> Change:
    if entry.action == WEIGHT_SET:
        return Change(at=entry.at, actor=entry.actor, kind="weight", indicator=entry.entity_id,
                      province_code=None, period=None, before=_value(entry.before, "weight"),
                      after=_value(entry.after, "weight"))  # fmt: skip
    # "indicator/province id/period", and a month period holds a slash of its own
    indicator, pid, period = entry.entity_id.split("/", 2)
    return Change(at=entry.at, actor=entry.actor, kind="target", indicator=indicator,
                  province_code=codes.get(int(pid)), period=period,
                  before=_value(entry.before, "value"),
                  after=_value(entry.after, "value"))  # fmt: skip
