"""Survey responses on both databases: import with every bad row named, idempotent by
respondent, scores with "too few" below the minimum and the count beside each, the
caller's scope, the indicator they feed, and the demo's synthetic year."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.common.errors import InvalidInput
from darman.common.jalali import tehran_today
from darman.performance import compute, periods, responses
from darman.performance.definitions import shipped
from darman.performance.models import IndicatorFact
from darman.registry.models import Province
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal
from darman.synth import surveys_seed
from tests import factories as f

HEAD = "respondent,instrument,facility_code,answered_on,nurse_respect,nurse_explain,doctor_listen,cost_explained,overall\n"  # noqa: E501


def _file(rows: list[str]) -> bytes:
    return (HEAD + "\n".join(rows) + "\n").encode()


def _many(code: str, n: int, answer: str, start: int = 0) -> list[str]:
    return [f"R{code}{start + k},inpatient,{code},1405/07/10,{answer}" for k in range(n)]


def test_a_file_with_bad_rows_is_refused_whole_naming_each(session: Session) -> None:
    fac = f.facility(session, province_code="19")
    rows = [
        f"R1,inpatient,{fac.code},1405/07/10,4,4,4,4,10",
        f"R2,outpatient,{fac.code},1405/07/10,4,4,4,4,10",
        "R3,inpatient,NOPE,1405/07/10,4,4,4,4,10",
        f"R4,inpatient,{fac.code},1405/13/10,4,4,4,4,10",
        f"R5,inpatient,{fac.code},1405/07/10,5,4,4,4,10",
        f"R6,inpatient,{fac.code},1405/07/10,,,,,",
    ]
    with pytest.raises(InvalidInput) as caught:
        responses.import_responses(session, SYSTEM, content=_file(rows), filename="s.csv")
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (3, "instrument"), (4, "facility_code"), (5, "answered_on"), (6, "nurse_respect"),
        (7, None),
    ]  # fmt: skip
    assert "۱ تا ۴" in caught.value.problems[3].reason


def test_scores_show_too_few_below_the_minimum_and_the_count_beside_each(
    session: Session,
) -> None:
    good = f.facility(session, province_code="19")
    small = f.facility(session, province_code="19")
    # 30 answers all at the top at `good` (100), 5 at the bottom at `small` (0)
    rows = _many(good.code, 30, "4,4,4,4,10") + _many(small.code, 5, "1,1,1,1,0")
    assert responses.import_responses(session, SYSTEM, content=_file(rows), filename="s.csv") == (
        35,
        35,
    )
    again = responses.import_responses(session, SYSTEM, content=_file(rows), filename="s.csv")
    assert again == (35, 0)
    got = responses.scores(session, SYSTEM, instrument="inpatient", period="1405/07")
    units = {(u.level, u.code): u for u in got.units}
    top = units[("facility", good.code)]
    assert (top.responses, top.too_few, top.overall) == (30, False, pytest.approx(100))
    few = units[("facility", small.code)]
    assert (few.responses, few.too_few, few.overall) == (5, True, None)
    qom = units[("province", "19")]
    assert qom.responses == 35 and qom.overall == pytest.approx(30 * 100 / 35)


def test_a_province_manager_sees_only_their_province_s_scores(session: Session) -> None:
    qom = f.facility(session, province_code="19")
    tehran = f.facility(session, province_code="08")
    rows = _many(qom.code, 2, "4,4,4,4,10") + _many(tehran.code, 2, "4,4,4,4,10")
    responses.import_responses(session, SYSTEM, content=_file(rows), filename="s.csv")
    pid = session.scalar(select(Province.id).where(Province.code == "19"))
    manager = Principal(user_id=5, username="m", role=Role.PROVINCE_MANAGER,
                        scope_level=ScopeLevel.PROVINCE, province_id=pid)  # fmt: skip
    got = responses.scores(session, manager, instrument="inpatient", period="1405/07")
    assert {u.code for u in got.units} == {qom.code, "19"}


def test_responses_feed_the_patient_experience_indicator_from_thirty_on(
    session: Session,
) -> None:
    good = f.facility(session, province_code="19")
    small = f.facility(session, province_code="08")
    rows = _many(good.code, 30, "4,4,4,4,10") + _many(small.code, 29, "4,4,4,4,10")
    responses.import_responses(session, SYSTEM, content=_file(rows), filename="s.csv")
    compute.compute(session, periods.parse("1405/07"), shipped())
    values = dict(
        session.execute(
            select(Province.code, IndicatorFact.value)
            .join(Province, Province.id == IndicatorFact.province_id)
            .where(
                IndicatorFact.indicator_code == "patient_experience",
                IndicatorFact.facility_id.is_(None),
                Province.code.in_(["19", "08"]),
            )
        ).all()
    )
    assert values == {"19": pytest.approx(100), "08": None}  # 29 responses: too few


def test_the_demo_s_year_of_responses_differs_between_hospitals(session: Session) -> None:
    for _ in range(4):
        f.facility(session, province_code="19", kind="hospital", beds_general=200)
    added = surveys_seed.load(session, seed=7)
    assert added > 4 * 12 * 30
    assert surveys_seed.load(session, seed=7) == 0  # once
    month = periods.month_of(tehran_today())
    got = responses.scores(session, SYSTEM, instrument="inpatient", period=month.shift(-2).code)
    scored = [u.overall for u in got.units if u.level == "facility" and u.overall is not None]
    assert len(scored) == 4
    assert max(scored) - min(scored) > 3  # each hospital leans on a quality of its own
