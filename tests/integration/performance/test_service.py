"""The compute job, targets, weights, the scorecard and the ranking on both databases, on
the hand-worked world (world.py) and on facts written for three provinces."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from darman.audit.models import AuditEntry
from darman.common.errors import InvalidInput, PermissionDenied
from darman.db.base import utcnow
from darman.performance import service
from darman.performance.models import IndicatorFact
from darman.registry.models import Province
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal
from tests.integration.performance import world as w

PERIOD = "1405/07"


def _fact(session: Session, code: str, period: str, indicator: str) -> float | None:
    pid = session.scalar(select(Province.id).where(Province.code == code))
    return session.scalar(
        select(IndicatorFact.value).where(
            IndicatorFact.province_id == pid,
            IndicatorFact.period == period,
            IndicatorFact.indicator_code == indicator,
            IndicatorFact.facility_id.is_(None),
        )
    )


def _manager(session: Session, code: str) -> Principal:
    pid = session.scalar(select(Province.id).where(Province.code == code))
    return Principal(user_id=9, username="m", role=Role.PROVINCE_MANAGER,
                     scope_level=ScopeLevel.PROVINCE, province_id=pid)  # fmt: skip


def test_compute_writes_each_province_s_value_from_its_numerator_and_denominator(
    session: Session,
) -> None:
    world = w.build(session)
    (result,) = service.compute(session, SYSTEM, period=PERIOD)
    assert result.province_facts == 31 * len(result.indicators)
    assert _fact(session, "08", PERIOD, "payment_delay_days") == pytest.approx(27.5)
    assert _fact(session, "19", PERIOD, "payment_delay_days") == pytest.approx(110)
    assert _fact(session, "08", PERIOD, "deducted_share") == pytest.approx(100 / 3000 * 100)
    assert _fact(session, "08", PERIOD, "beds_per_10k") == pytest.approx(75 / 2 * 10_000)
    assert _fact(session, "08", PERIOD, "stockout_rate") == pytest.approx(50)
    assert _fact(session, "08", PERIOD, "referral_feedback_rate") == pytest.approx(100 / 3)
    assert _fact(session, "01", PERIOD, "payment_delay_days") is None  # nothing paid there
    at_a = session.scalar(
        select(IndicatorFact.value).where(
            IndicatorFact.facility_id == world.a.id,
            IndicatorFact.indicator_code == "deducted_share",
        )
    )
    assert at_a == pytest.approx(10)


def test_computing_a_period_again_replaces_its_facts_instead_of_adding(session: Session) -> None:
    w.build(session)
    first = service.compute(session, SYSTEM, period=PERIOD)
    count = session.scalar(select(func.count(IndicatorFact.id)))
    second = service.compute(session, SYSTEM, period=PERIOD)
    assert first == second
    assert session.scalar(select(func.count(IndicatorFact.id))) == count
    # each computation is in the audit log: the facts rank the provincial managers
    computed = session.scalars(
        select(AuditEntry.entity_id).where(AuditEntry.action == "performance.compute")
    ).all()
    assert computed == [f"{PERIOD}..{PERIOD}"] * 2


def test_only_national_staff_compute(session: Session) -> None:
    with pytest.raises(PermissionDenied):
        service.compute(session, _manager(session, "08"), period=PERIOD)


def _write_facts(session: Session) -> None:
    """Three provinces on two indicators for 1405/07, and 1405/04 for the trend:
    delay (lower is better): Tehran 30, Qom 90, Isfahan 60 (three months before: Tehran 50);
    stock-outs (lower is better): Tehran 5, Qom 1, Isfahan 3."""
    now = utcnow()
    ids = {c: i for c, i in session.execute(select(Province.code, Province.id))}
    for code, period, indicator, value in [
        ("08", PERIOD, "payment_delay_days", 30.0), ("19", PERIOD, "payment_delay_days", 90.0),
        ("04", PERIOD, "payment_delay_days", 60.0), ("08", PERIOD, "stockout_rate", 5.0),
        ("19", PERIOD, "stockout_rate", 1.0), ("04", PERIOD, "stockout_rate", 3.0),
        ("08", "1405/04", "payment_delay_days", 50.0),
    ]:  # fmt: skip
        session.add(IndicatorFact(
            indicator_code=indicator, period=period, province_id=ids[code], facility_id=None,
            numerator=value, denominator=1, value=value, definitions_version="t",
            computed_at=now,
        ))  # fmt: skip
    session.flush()


def test_the_scorecard_colours_each_cell_and_shows_target_and_trend(session: Session) -> None:
    _write_facts(session)
    service.set_target(session, SYSTEM, indicator="payment_delay_days", province_code="08",
                       period=PERIOD, value=20)  # fmt: skip
    card = service.scorecard(session, SYSTEM, period=PERIOD)
    tehran = next(r for r in card.rows if r.province_code == "08")
    delay = next(c for c in tehran.cells if c.indicator == "payment_delay_days")
    assert (delay.value, delay.colour, delay.colour_fa) == (30.0, "green", "سبز")
    assert delay.target == 20 and delay.gap_to_target == 10  # 10 days still to cut
    assert delay.trend_3 == 20  # from 50 to 30 days: 20 better
    assert delay.trend_6 is None
    qom = next(r for r in card.rows if r.province_code == "19")
    assert next(c for c in qom.cells if c.indicator == "payment_delay_days").colour == "amber"
    # equal weights 2 : 1.5 on two costs; Tehran best on delay, Qom on stock-outs
    assert [r.province_code for r in card.rows[:3]] == ["08", "04", "19"]


def test_a_province_director_sees_their_own_row_in_full_and_only_the_others_ranks(
    session: Session,
) -> None:
    _write_facts(session)
    card = service.scorecard(session, _manager(session, "19"), period=PERIOD)
    shown = {r.province_code: r for r in card.rows}
    assert shown["19"].full and len(shown["19"].cells) == len(card.indicators)
    assert not shown["08"].full and shown["08"].cells == [] and shown["08"].rank == 1
    ranked = service.rank(session, _manager(session, "19"), period=PERIOD, draws=50)
    by = {p.province_code: p for p in ranked.provinces}
    assert by["19"].full and by["19"].contributions and by["19"].interval is not None
    assert not by["08"].full and by["08"].topsis is None and by["08"].contributions == []
    assert ranked.reversals == []


def test_the_ranking_explains_each_rank_and_notes_provinces_without_values(
    session: Session,
) -> None:
    _write_facts(session)
    ranked = service.rank(session, SYSTEM, period=PERIOD, draws=100)
    assert [p.province_code for p in ranked.provinces] == ["08", "04", "19"]
    assert ranked.criteria == ["payment_delay_days", "stockout_rate"]
    isfahan = ranked.provinces[1]
    assert isfahan.move_up is not None and isfahan.interval is not None
    assert isfahan.distance_to_ideal > 0 and isfahan.distance_to_anti_ideal > 0
    assert any("رتبه‌بندی‌نشده" in n for n in ranked.notes)


def test_ranking_a_period_never_computed_is_refused_in_persian(session: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.rank(session, SYSTEM, period="1390/01")
    assert "محاسبه نشده" in caught.value.problems[0].reason


def _audited(session: Session, action: str) -> int:
    return session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def test_a_target_set_twice_to_the_same_value_is_audited_once(session: Session) -> None:
    args = {"indicator": "stockout_rate", "province_code": "19", "period": PERIOD, "value": 2.0}
    assert service.set_target(session, SYSTEM, **args) is True
    assert service.set_target(session, SYSTEM, **args) is False
    assert service.set_target(session, SYSTEM, **{**args, "value": 1.5}) is True
    assert _audited(session, "performance.target.set") == 2
    assert [t.value for t in service.list_targets(session, SYSTEM, period=PERIOD)] == [1.5]


def test_a_targets_file_with_bad_rows_is_refused_whole_naming_each_row(session: Session) -> None:
    text = (
        "indicator,province_code,period,value\n"
        "stockout_rate,19,1405/07,2\n"
        "no_such,19,1405/07,2\n"
        "stockout_rate,99,1405/07,2\n"
        "stockout_rate,19,1405/13,2\n"
        "stockout_rate,19,1405/07,زیاد\n"
    )
    with pytest.raises(InvalidInput) as caught:
        service.import_targets(session, SYSTEM, content=text.encode(), filename="t.csv")
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (3, "indicator"),
        (4, "province_code"),
        (5, "period"),
        (6, "value"),
    ]
    assert "تعریف نشده" in caught.value.problems[0].reason
    assert service.list_targets(session, SYSTEM, period=PERIOD) == []


def test_a_good_targets_file_sets_every_target_and_again_changes_nothing(
    session: Session,
) -> None:
    text = "indicator,province_code,period,value\nstockout_rate,19,۱۴۰۵/۰۷,۲\n"
    got = service.import_targets(session, SYSTEM, content=text.encode(), filename="t.csv")
    assert got == (1, 1)
    again = service.import_targets(session, SYSTEM, content=text.encode(), filename="t.csv")
    assert again == (1, 0)
    assert service.list_targets(session, _manager(session, "08"), period=PERIOD) == []


def test_a_weight_change_is_audited_and_changes_the_ranking(session: Session) -> None:
    _write_facts(session)
    service.set_weight(session, SYSTEM, indicator="payment_delay_days", weight=0)
    assert _audited(session, "performance.weight.set") == 1
    ranked = service.rank(session, SYSTEM, period=PERIOD)
    assert ranked.criteria == ["stockout_rate"]
    assert [p.province_code for p in ranked.provinces] == ["19", "04", "08"]
    with pytest.raises(PermissionDenied):
        service.set_weight(session, _manager(session, "19"), indicator="stockout_rate", weight=1)


def test_a_province_drills_down_to_its_facilities_within_the_caller_s_scope(
    session: Session,
) -> None:
    from darman.common.errors import NotFound

    world = w.build(session)
    service.compute(session, SYSTEM, period=PERIOD)
    card = service.facility_scorecard(session, SYSTEM, period=PERIOD, province_code="08")
    rows = {r.facility_id: r for r in card.rows}
    assert set(rows) == {world.a.id, world.b.id}
    deducted = next(c for c in rows[world.a.id].cells if c.indicator == "deducted_share")
    assert deducted.value == pytest.approx(10) and deducted.colour == "amber"
    assert "beds_per_10k" not in {i.code for i in card.indicators}  # counted by province
    own = service.facility_scorecard(
        session, _manager(session, "19"), period=PERIOD, province_code="19"
    )
    assert [r.facility_id for r in own.rows] == [world.c.id]
    with pytest.raises(NotFound):
        service.facility_scorecard(
            session, _manager(session, "19"), period=PERIOD, province_code="08"
        )


def test_the_insurer_s_own_definitions_replace_the_shipped_ones_audited(
    session: Session,
) -> None:
    from importlib import resources

    from darman.performance.definitions import SHIPPED
    from darman.performance.definitions import shipped as shipped_defs

    shipped_file = resources.files("darman.performance").joinpath("data", SHIPPED)
    text = shipped_file.read_text("utf-8")
    with pytest.raises(InvalidInput) as same:
        service.set_definitions(session, SYSTEM, text=text, name="mine.toml")
    assert same.value.problems[0].field == "version"
    mine = text.replace('version = "1405.1"', 'version = "1405.2"').replace(
        'numerator = "deducted_rials"', 'numerator = "no_such_query"'
    )
    with pytest.raises(InvalidInput) as unknown:
        service.set_definitions(session, SYSTEM, text=mine, name="mine.toml")
    assert unknown.value.problems[0].field == "indicator.1.numerator"
    fixed = mine.replace('numerator = "no_such_query"', 'numerator = "copay_rials"')
    assert service.set_definitions(session, SYSTEM, text=fixed, name="mine.toml") == "1405.2"
    assert _audited(session, "performance.definitions.set") == 1
    deducted = next(
        i for i in service.list_indicators(session, SYSTEM) if i.code == "deducted_share"
    )
    assert deducted.numerator == "copay_rials"
    assert shipped_defs().get("deducted_share").numerator == "deducted_rials"
    with pytest.raises(PermissionDenied):
        service.set_definitions(session, _manager(session, "08"), text=fixed, name="m.toml")


def _all_facts(session: Session) -> set[tuple[object, ...]]:
    return {
        (f.indicator_code, f.period, f.province_id, f.facility_id, f.numerator, f.denominator)
        for f in session.scalars(select(IndicatorFact))
    }


def test_several_months_at_once_give_the_same_facts_as_month_by_month(
    session: Session,
) -> None:
    from darman.performance import compute, periods
    from darman.performance.definitions import shipped

    w.build(session)
    months = [periods.parse(m) for m in ("1405/05", "1405/06", "1405/07")]
    results = compute.compute_months(session, months, shipped())
    assert [r.period for r in results] == ["1405/05", "1405/06", "1405/07"]
    together = _all_facts(session)
    session.execute(IndicatorFact.__table__.delete())
    for m in months:
        compute.compute(session, m, shipped())
    assert _all_facts(session) == together
    # Shahrivar holds the stock month 140506 and the referral issued the day before Mehr
    shahrivar = {f[0]: f for f in together if f[1] == "1405/06" and f[3] is None and f[5]}
    assert {"stockout_rate", "referral_feedback_rate"} <= set(shahrivar)


def _analysed_rows(session: Session, table: str) -> int | None:
    """The row count the planner's statistics hold for ``table`` (None: never analysed)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # ANALYZE writes reltuples; a table never analysed (or emptied since) holds -1 or 0
        got = session.scalar(select(func.max(text("reltuples"))).select_from(
            text("pg_class")).where(text(f"relname = '{table}'")))  # fmt: skip
        return int(got) if got is not None and got > 0 else None
    if not session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name='sqlite_stat1'")):
        return None
    stat = session.scalar(
        text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t LIMIT 1"), {"t": table}
    )
    return int(stat.split()[0]) if stat else None


def test_a_span_of_facts_is_analysed_so_the_next_plans_know_its_size(session: Session) -> None:
    from darman.performance import compute, periods, statistics
    from darman.performance.definitions import shipped

    w.build(session)
    # statistics an earlier test's committed load left behind (the cleanup between tests
    # empties the tables, not the planner's statistics)
    before = _analysed_rows(session, "performance_facts")
    one = compute.compute(session, periods.parse("1405/04"), shipped())
    written = one.province_facts + one.facility_facts
    assert written < statistics.ANALYZE_AFTER_ROWS  # one month of a small world: left alone
    assert _analysed_rows(session, "performance_facts") == before
    months = [periods.parse(m) for m in ("1405/05", "1405/06", "1405/07")]
    results = compute.compute_months(session, months, shipped())
    span = sum(r.province_facts + r.facility_facts for r in results)
    assert span >= statistics.ANALYZE_AFTER_ROWS  # 3 months x 31 provinces x 15 indicators
    # the statistics count every fact now stored: the span and the month before it
    assert _analysed_rows(session, "performance_facts") == span + written
