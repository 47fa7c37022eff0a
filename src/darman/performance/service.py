"""Use cases of performance management: compute a period's facts, targets and ranking
weights (national staff, audited), the scorecard and the ranking of provincial managers.

Scope: national staff see every province in full; a provincial manager sees their own
province in full and, of the others, only the rank.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import FieldProblem, InvalidInput
from darman.db.base import utcnow
from darman.performance import compute as compute_job
from darman.performance import periods, ranking, rules
from darman.performance.definitions import Definitions, Indicator, parse, shipped
from darman.performance.enums import COLOUR_LABELS_FA
from darman.performance.models import DefinitionsOverride, IndicatorFact, RankingWeight, Target
from darman.performance.periods import Period
from darman.performance.schemas import (
    Cell,
    ComputeRead,
    ContributionRead,
    FacilityCard,
    FacilityRow,
    IndicatorRead,
    MoveUpRead,
    ProvinceRankRead,
    RankingRead,
    ReversalRead,
    Scorecard,
    ScorecardRow,
    TargetRead,
)
from darman.registry.models import Facility, Province
from darman.security.principal import Principal
from darman.security.rules import Act, roles_that

READERS = roles_that(Act.READ_PERFORMANCE)
SETTERS = roles_that(Act.SET_PERFORMANCE)
TRENDS = (3, 6, 12)


def definitions(session: Session) -> Definitions:
    """The insurer's definitions when it has set its own, else the shipped file's."""
    text = session.scalar(
        select(DefinitionsOverride.text).order_by(DefinitionsOverride.id.desc()).limit(1)
    )
    return shipped() if text is None else parse(text, name="override")


def set_definitions(session: Session, who: Principal, *, text: str, name: str) -> str:
    """Replace the indicator definitions with the insurer's own TOML (national staff),
    audited with the versions before and after. Every numerator and denominator must name
    a known query; the version must differ from the one in force. Answers the version."""
    from darman.performance.queries import QUERIES

    who.require_role(*SETTERS)
    _national(who)
    new = parse(text, name=name)
    unknown = [
        FieldProblem(f"indicator.{n}.{part}", f"پرس‌وجوی «{q}» وجود ندارد")
        for n, ind in enumerate(new.indicators)
        for part, q in (("numerator", ind.numerator), ("denominator", ind.denominator))
        if q not in QUERIES
    ]
    if unknown:
        raise InvalidInput(f"'{name}': unknown queries", unknown)
    before = definitions(session).version
    if new.version == before:
        raise InvalidInput(
            "same version",
            [FieldProblem("version", f"نسخه‌ی «{before}» هم‌اکنون در کار است؛ نسخه را بالا ببرید")],
        )
    session.add(DefinitionsOverride(version=new.version, text=text, set_by=who.username,
                                    set_at=utcnow()))  # fmt: skip
    audit.record(
        session, actor=who.username, action="performance.definitions.set", entity="definitions",
        entity_id=new.version, before={"version": before},
        after={"version": new.version, "indicators": [i.code for i in new.indicators]},
    )  # fmt: skip
    return new.version


def indicator_read(ind: Indicator, weight: float) -> IndicatorRead:
    return IndicatorRead(
        code=ind.code, name_fa=ind.name_fa, name_en=ind.name_en, unit_fa=ind.unit_fa,
        numerator=ind.numerator, denominator=ind.denominator, factor=ind.factor,
        direction=ind.direction.value, period_type=ind.period_type.value, source=ind.source,
        weight=weight,
        legend=[(None if b.below == float("inf") else b.below, b.colour.value) for b in ind.legend],
    )  # fmt: skip


def list_indicators(session: Session, who: Principal) -> list[IndicatorRead]:
    """Every indicator's definition with its current ranking weight."""
    who.require_role(*READERS)
    w = weights(session)
    return [indicator_read(i, w[i.code]) for i in definitions(session).indicators]


def compute(session: Session, who: Principal, *, period: str, months: int = 1) -> list[ComputeRead]:
    """Recompute and replace every fact of the period, or of the ``months`` months ending
    with it (a month period), all at once (national staff). Idempotent."""
    who.require_role(*SETTERS)
    _national(who)
    last = periods.parse(period)
    if not 1 <= months <= 36 or (months > 1 and last.kind.value != "month"):
        raise InvalidInput(
            "bad months",
            [FieldProblem("months", "تعداد ماه‌ها باید ۱ تا ۳۶ و دوره یک ماه باشد")],
        )
    span = [last.shift(-k) for k in range(months - 1, -1, -1)] if months > 1 else [last]
    results = compute_job.compute_months(session, span, definitions(session))
    # the facts behind the managers' ranking: who replaced which months, and how many
    audit.record(
        session, actor=who.username, action="performance.compute", entity="indicator_facts",
        entity_id=f"{span[0].code}..{span[-1].code}",
        after={"months": len(span), "province_facts": sum(r.province_facts for r in results),
               "facility_facts": sum(r.facility_facts for r in results)},
    )  # fmt: skip
    return [ComputeRead(**asdict(r)) for r in results]


def _national(who: Principal) -> None:
    if not who.is_national:
        from darman.common.errors import PermissionDenied

        raise PermissionDenied("شاخص، هدف و وزن را تنها کارکنان ستاد کشوری تعیین می‌کنند")


# ------------------------------------------------------------------ weights
def weights(session: Session) -> dict[str, float]:
    """Each indicator's ranking weight: the national office's, else the file's default."""
    out = {i.code: i.weight for i in definitions(session).indicators}
    for code, weight in session.execute(select(RankingWeight.indicator_code, RankingWeight.weight)):
        if code in out:
            out[code] = float(weight)
    return out


def set_weight(session: Session, who: Principal, *, indicator: str, weight: float) -> float:
    """Set an indicator's ranking weight (national staff), audited; the same weight again
    changes nothing and writes no entry."""
    who.require_role(*SETTERS)
    _national(who)
    definitions(session).get(indicator)
    if not 0 <= weight <= 100:
        raise InvalidInput("bad weight", [FieldProblem("weight", "وزن باید بین ۰ و ۱۰۰ باشد")])
    before = weights(session)[indicator]
    row = session.scalar(select(RankingWeight).where(RankingWeight.indicator_code == indicator))
    if before == weight and row is not None:
        return weight
    if row is None:
        row = RankingWeight(indicator_code=indicator, weight=weight, set_by=who.username,
                            set_at=utcnow())  # fmt: skip
        session.add(row)
    else:
        row.weight, row.set_by, row.set_at = weight, who.username, utcnow()
    audit.record(
        session, actor=who.username, action="performance.weight.set", entity="indicator",
        entity_id=indicator, before={"weight": before}, after={"weight": weight},
    )  # fmt: skip
    return weight


# ------------------------------------------------------------------ targets
def _province_ids(session: Session) -> dict[str, tuple[int, str]]:
    return {
        code: (pid, name)
        for pid, code, name in session.execute(
            select(Province.id, Province.code, Province.name_fa).order_by(Province.code)
        )
    }


def set_target(
    session: Session,
    who: Principal,
    *,
    indicator: str,
    province_code: str,
    period: str,
    value: float,
) -> bool:
    """Set a province's target for an indicator and period (national staff), audited.
    Answers whether anything changed: the same value again writes nothing."""
    who.require_role(*SETTERS)
    _national(who)
    definitions(session).get(indicator)
    code = periods.parse(period).code
    provinces = _province_ids(session)
    if province_code not in provinces:
        raise InvalidInput(
            "unknown province",
            [FieldProblem("province_code", f"استان «{province_code}» وجود ندارد")],
        )
    pid = provinces[province_code][0]
    return _upsert_target(session, who, indicator, pid, code, value)


def _upsert_target(
    session: Session, who: Principal, indicator: str, pid: int, period: str, value: float
) -> bool:
    row = session.scalar(
        select(Target).where(
            Target.indicator_code == indicator, Target.province_id == pid, Target.period == period
        )
    )
    before = None if row is None else {"value": row.value}
    if row is not None and row.value == value:
        return False
    if row is None:
        row = Target(indicator_code=indicator, province_id=pid, period=period, value=value,
                     set_by=who.username, set_at=utcnow())  # fmt: skip
        session.add(row)
    else:
        row.value, row.set_by, row.set_at = value, who.username, utcnow()
    audit.record(
        session, actor=who.username, action="performance.target.set", entity="target",
        entity_id=f"{indicator}/{pid}/{period}", before=before, after={"value": value},
    )  # fmt: skip
    return True


TARGET_COLUMNS = ("indicator", "province_code", "period", "value")


def import_targets(
    session: Session, who: Principal, *, content: bytes, filename: str
) -> tuple[int, int]:
    """Targets from a CSV or Excel file with the columns indicator, province_code, period,
    value. Every row is checked first; any bad row refuses the whole file with a Persian
    reason naming the row and column. Answers (rows read, rows changed)."""
    from darman.common.tabular import TableFormat, read_table

    who.require_role(*SETTERS)
    _national(who)
    header, rows = read_table(content, TableFormat.from_filename(filename), name=filename)
    missing = [c for c in TARGET_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"'{filename}': missing columns",
            [FieldProblem(c, f"ستون «{c}» در فایل نیست", row=1) for c in missing],
        )
    provinces = _province_ids(session)
    known = {i.code for i in definitions(session).indicators}
    good: list[tuple[str, int, str, float]] = []
    problems: list[FieldProblem] = []
    for row in rows:
        v = row.values
        if v["indicator"] not in known:
            problems.append(
                FieldProblem("indicator", f"شاخص «{v['indicator']}» تعریف نشده است", row.number)
            )
            continue
        if v["province_code"] not in provinces:
            problems.append(
                FieldProblem(
                    "province_code", f"استان «{v['province_code']}» وجود ندارد", row.number
                )
            )
            continue
        try:
            period = periods.parse(v["period"]).code
        except InvalidInput:
            problems.append(FieldProblem("period", "دوره باید به شکل ۱۴۰۵/۰۷ باشد", row.number))
            continue
        try:
            value = float(v["value"])
        except ValueError:
            problems.append(FieldProblem("value", f"مقدار «{v['value']}» عدد نیست", row.number))
            continue
        good.append((v["indicator"], provinces[v["province_code"]][0], period, value))
    if problems:
        raise InvalidInput(f"'{filename}': {len(problems)} bad rows; nothing imported", problems)
    changed = sum(_upsert_target(session, who, *g) for g in good)
    return len(good), changed


def list_targets(session: Session, who: Principal, *, period: str) -> list[TargetRead]:
    """The targets of a period; a provincial manager sees their own province's."""
    who.require_role(*READERS)
    code = periods.parse(period).code
    query = (
        select(Target, Province.code)
        .join(Province, Province.id == Target.province_id)
        .where(Target.period == code)
        .order_by(Province.code, Target.indicator_code)
    )
    if not who.is_national:
        query = query.where(Target.province_id == who.province_id)
    return [
        TargetRead(
            indicator=t.indicator_code,
            province_code=pc,
            period=t.period,
            value=t.value,
            set_by=t.set_by,
        )
        for t, pc in session.execute(query)
    ]


# ------------------------------------------------------------------ scorecard and ranking
def latest_month(session: Session) -> str | None:
    """The latest month that has computed facts (``1405/07``), if any."""
    months = session.scalars(
        select(IndicatorFact.period).where(IndicatorFact.period.like("____/__")).distinct()
    )
    return max(months, default=None)


def _facts(session: Session, codes: list[str]) -> dict[tuple[str, str, int], IndicatorFact]:
    query = select(IndicatorFact).where(
        IndicatorFact.period.in_(codes), IndicatorFact.facility_id.is_(None)
    )
    return {(f.period, f.indicator_code, f.province_id): f for f in session.scalars(query)}


def _month_indicators(session: Session, period: Period) -> list[Indicator]:
    return [i for i in definitions(session).indicators if i.period_type is period.kind]


def _ranked(
    session: Session, period: Period, draws: int, *, explain: bool = True
) -> tuple[ranking.Ranking, dict]:
    inds = _month_indicators(session, period)
    w = weights(session)
    provinces = _province_ids(session)
    facts = _facts(session, [period.code])
    if not any(k[0] == period.code for k in facts):
        raise InvalidInput(
            f"no facts for {period.code}",
            [FieldProblem("period", f"شاخص‌های دوره {period.label_fa} هنوز محاسبه نشده است")],
        )

    def value(code: str, province: str) -> float:
        fact = facts.get((period.code, code, provinces[province][0]))
        return np.nan if fact is None or fact.value is None else fact.value

    rows = {k: [value(i.code, k) for i in inds] for k in provinces}
    # a province with no value at all (no activity recorded) is not ranked
    keys = [k for k, row in rows.items() if not all(np.isnan(row))]
    left_out = [provinces[k][1] for k in provinces if k not in keys]
    matrix = np.array([rows[k] for k in keys], dtype=float)
    criteria = [ranking.Criterion(i.code, i.name_fa, w[i.code], i.direction) for i in inds]
    names = [provinces[k][1] for k in keys]
    result = ranking.rank(keys, names, criteria, matrix, draws=draws, explain=explain)
    if left_out:
        result.notes.append("بدون هیچ مقدار و رتبه‌بندی‌نشده: " + "، ".join(left_out))
    return result, provinces


def rank(session: Session, who: Principal, *, period: str, draws: int = 0) -> RankingRead:
    """The managers' ranking for a month: TOPSIS and the weighted sum with every rank
    explained, and with ``draws`` the rank intervals under weights moved by up to +/-20%.
    A provincial manager gets their province in full and the others' ranks only."""
    who.require_role(*READERS)
    if not 0 <= draws <= 10_000:
        raise InvalidInput(
            "bad draws", [FieldProblem("sensitivity", "تعداد تکرار باید ۰ تا ۱۰٬۰۰۰ باشد")]
        )
    p = periods.parse(period)
    result, provinces = _ranked(session, p, draws)
    own = _own_code(who, provinces)
    rows = [_rank_read(pr, full=who.is_national or pr.key == own) for pr in result.provinces]
    return RankingRead(
        period=p.code,
        period_label_fa=p.label_fa,
        criteria=[c.code for c in result.criteria],
        notes=result.notes,
        draws=result.draws,
        provinces=rows,
        reversals=[ReversalRead(left_out=r.left_out, pairs=r.pairs) for r in result.reversals]
        if who.is_national
        else [],
    )


def _own_code(who: Principal, provinces: dict[str, tuple[int, str]]) -> str | None:
    return next((c for c, (pid, _) in provinces.items() if pid == who.province_id), None)


def _rank_read(pr: ranking.ProvinceRank, *, full: bool) -> ProvinceRankRead:
    if not full:
        return ProvinceRankRead(province_code=pr.key, name_fa=pr.name_fa, rank=pr.rank, full=False)
    return ProvinceRankRead(
        province_code=pr.key, name_fa=pr.name_fa, rank=pr.rank, full=True, topsis=pr.topsis,
        weighted_sum=pr.weighted_sum, weighted_sum_rank=pr.weighted_sum_rank,
        distance_to_ideal=pr.distance_to_ideal, distance_to_anti_ideal=pr.distance_to_anti_ideal,
        contributions=[ContributionRead(**asdict(c)) for c in pr.contributions],
        move_up=MoveUpRead(**asdict(pr.move_up)) if pr.move_up else None,
        interval=pr.interval, extremes=pr.extremes, unstable=pr.unstable, loo_shift=pr.loo_shift,
    )  # fmt: skip


def scorecard(session: Session, who: Principal, *, period: str) -> Scorecard:
    """Provinces by indicators for a month: each cell's value with its legend colour, its
    target and the gap to it, and its change over 3, 6 and 12 months; each province's rank
    (TOPSIS). A provincial manager sees their own row in full and the others' ranks only."""
    who.require_role(*READERS)
    p = periods.parse(period)
    inds = _month_indicators(session, p)
    earlier = {k: p.shift(-k).code for k in TRENDS} if p.kind.value == "month" else {}
    facts = _facts(session, [p.code, *earlier.values()])
    provinces = _province_ids(session)
    try:
        ranked = _ranked(session, p, 0, explain=False)[0]
        ranks = {pr.key: pr.rank for pr in ranked.provinces}
    except InvalidInput:
        ranks = {}
    targets = {
        (t.indicator_code, t.province_id): t.value
        for t in session.scalars(select(Target).where(Target.period == p.code))
    }
    own = _own_code(who, provinces)
    w = weights(session)
    rows = []
    for code, (pid, name) in provinces.items():
        full = who.is_national or code == own
        cells = [_cell(i, p.code, pid, facts, targets, earlier) for i in inds] if full else []
        rows.append(ScorecardRow(province_code=code, province_name_fa=name,
                                 rank=ranks.get(code), full=full, cells=cells))  # fmt: skip
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.province_code))
    return Scorecard(
        period=p.code,
        period_label_fa=p.label_fa,
        indicators=[indicator_read(i, w[i.code]) for i in inds],
        rows=rows,
    )


def _cell(
    ind: Indicator,
    period: str,
    pid: int,
    facts: dict[tuple[str, str, int], IndicatorFact],
    targets: dict[tuple[str, int], float],
    earlier: dict[int, str],
) -> Cell:
    fact = facts.get((period, ind.code, pid))
    value = fact.value if fact else None
    colour = ind.colour(value)
    target = targets.get((ind.code, pid))

    def trend(k: int) -> float | None:
        old = facts.get((earlier[k], ind.code, pid)) if k in earlier else None
        return rules.improvement(value, old.value if old else None, ind.direction)

    return Cell(
        indicator=ind.code,
        value=value,
        numerator=fact.numerator if fact else 0.0,
        denominator=fact.denominator if fact else 0.0,
        colour=colour.value if colour else None,
        colour_fa=COLOUR_LABELS_FA[colour] if colour else None,
        target=target,
        gap_to_target=rules.gap_to_target(value, target, ind.direction),
        trend_3=trend(3),
        trend_6=trend(6),
        trend_12=trend(12),
    )


def facility_scorecard(
    session: Session, who: Principal, *, period: str, province_code: str
) -> FacilityCard:
    """Drill-down from a province to its facilities, for the indicators counted per facility
    (legend colours and targets are the province's). National staff see any province, a
    provincial manager only their own: another province answers as if it did not exist."""
    from darman.common.errors import NotFound

    who.require_role(*READERS)
    p = periods.parse(period)
    provinces = _province_ids(session)
    if province_code not in provinces or not who.may_see_province(provinces[province_code][0]):
        raise NotFound(
            f"استان «{province_code}» پیدا نشد", [FieldProblem("province_code", province_code)]
        )
    pid, name = provinces[province_code]
    inds = [i for i in _month_indicators(session, p) if compute_job.by_facility(i)]
    facts: dict[tuple[str, int], IndicatorFact] = {
        (f.indicator_code, f.facility_id): f
        for f in session.scalars(
            select(IndicatorFact).where(
                IndicatorFact.period == p.code,
                IndicatorFact.province_id == pid,
                IndicatorFact.facility_id.is_not(None),
            )
        )
        if f.facility_id is not None
    }
    ids = sorted({fid for _, fid in facts})
    w = weights(session)
    rows = []
    for fac in session.scalars(
        select(Facility).where(Facility.id.in_(ids)).order_by(Facility.code)
    ):
        cells = []
        for ind in inds:
            fact = facts.get((ind.code, fac.id))
            value = fact.value if fact else None
            colour = ind.colour(value)
            cells.append(Cell(
                indicator=ind.code, value=value,
                numerator=fact.numerator if fact else 0.0,
                denominator=fact.denominator if fact else 0.0,
                colour=colour.value if colour else None,
                colour_fa=COLOUR_LABELS_FA[colour] if colour else None,
                target=None, gap_to_target=None, trend_3=None, trend_6=None, trend_12=None,
            ))  # fmt: skip
        rows.append(FacilityRow(facility_id=fac.id, facility_code=fac.code,
                                facility_name=fac.name, cells=cells))  # fmt: skip
    return FacilityCard(
        period=p.code, period_label_fa=p.label_fa, province_code=province_code,
        province_name_fa=name, indicators=[indicator_read(i, w[i.code]) for i in inds],
        rows=rows,
    )  # fmt: skip
