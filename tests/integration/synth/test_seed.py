from __future__ import annotations

import hashlib
import itertools
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from darman.audit import verification
from darman.common import national_id
from darman.common.errors import Conflict, InvalidInput
from darman.common.tabular import TableFormat
from darman.db import migrate
from darman.db.engine import make_engine, make_session_factory
from darman.db.uow import UnitOfWork
from darman.registry import catalogues, provinces, transfer
from darman.registry.models import CoveragePeriod, Drug, DrugYear, Facility, Insured, Province
from darman.security.principal import SYSTEM
from darman.synth import generator
from darman.synth import service as synth
from darman.synth.generator import CONTRACTED_KINDS
from tests.conftest import TEST_AUDIT_KEY

SCALE = 0.0005
EXPORTED = ("facilities", "insured", "coverage", "practitioners", "tariffs", "services", "drugs")


def _seed(factory: sessionmaker[Session], seed: int = 7) -> synth.SeedResult:
    with UnitOfWork(factory) as uow:
        result = synth.seed(uow.session, scale=SCALE, seed=seed)
        uow.commit()
    return result


def _export_digest(factory: sessionmaker[Session]) -> dict[str, str]:
    with factory() as s:
        return {
            t: hashlib.sha256(
                transfer.export_table(s, SYSTEM, table=t, fmt=TableFormat.CSV)
            ).hexdigest()
            for t in EXPORTED
        }


def _fresh_sqlite(tmp_path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path}/{uuid.uuid4().hex}.db")
    migrate.upgrade(engine)
    return make_session_factory(engine, audit_key=TEST_AUDIT_KEY)


def test_the_same_scale_and_seed_give_byte_identical_exports_on_either_database(
    session_factory: sessionmaker[Session], tmp_path
) -> None:
    _seed(session_factory)
    here = _export_digest(session_factory)
    elsewhere = _fresh_sqlite(tmp_path)
    _seed(elsewhere)
    assert _export_digest(elsewhere) == here
    other_seed = _fresh_sqlite(tmp_path)
    _seed(other_seed, seed=8)
    assert _export_digest(other_seed)["insured"] != here["insured"]


def test_scale_shrinks_people_but_keeps_the_national_structure(session_factory) -> None:
    result = _seed(session_factory)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Province)) == 31
        owned = s.scalar(select(func.count()).where(Facility.ownership == "owned"))
        assert owned == generator.OWNED_CENTRES
        kinds_per_province = s.execute(
            select(Facility.province_id, func.count(func.distinct(Facility.kind)))
            .where(Facility.ownership == "contracted")
            .group_by(Facility.province_id)
        ).all()
        assert len(kinds_per_province) == 31
        assert all(n == len(CONTRACTED_KINDS) for _, n in kinds_per_province)
        qom = s.scalar(select(Province.id).where(Province.code == "19"))
        assert (
            s.scalar(
                select(func.count()).where(
                    Facility.ownership == "owned", Facility.province_id == qom
                )
            )
            == 4
        )
        insured_total = s.scalar(select(func.count()).select_from(Insured))
        assert insured_total == result.counts["insured"]
        assert (
            abs(insured_total - generator.NATIONAL_INSURED * SCALE)
            / (generator.NATIONAL_INSURED * SCALE)
            < 0.01
        )
        qom_insured = s.scalar(select(func.count()).where(Insured.province_id == qom))
        assert qom_insured == round(generator.QOM_INSURED * SCALE)
        # every province's insured share of its population stays in a plausible band
        facts = {f.code: f.population_2016 for f in provinces.read_facts()}
        for code, pid in s.execute(select(Province.code, Province.id)).all():
            n = s.scalar(select(func.count()).where(Insured.province_id == pid)) or 0
            assert 0.40 < n / (facts[code] * SCALE) < 0.65, code
        # owned-network staff are the organisation's real totals, whatever the scale
        assert (
            s.scalar(select(func.sum(Facility.physicians)).where(Facility.ownership == "owned"))
            == 8000
        )
        assert (
            s.scalar(select(func.sum(Facility.nurses)).where(Facility.ownership == "owned"))
            == 17000
        )


def test_seeded_people_have_valid_national_ids_and_consistent_households(session_factory) -> None:
    _seed(session_factory)
    with session_factory() as s:
        ids = s.scalars(select(Insured.national_id)).all()
        assert all(national_id.problem(i) is None for i in ids)
        assert len(set(ids)) == len(ids)
        orphans = s.scalar(
            select(func.count()).where(
                Insured.relation == "dependant", Insured.main_insured_id.is_(None)
            )
        )
        assert orphans == 0
        periods = s.execute(
            select(
                CoveragePeriod.insured_id, CoveragePeriod.start_date, CoveragePeriod.end_date
            ).order_by(CoveragePeriod.insured_id, CoveragePeriod.start_date)
        ).all()
        for a, b in itertools.pairwise(periods):
            if a.insured_id == b.insured_id:
                assert a.end_date is not None and a.end_date < b.start_date


def test_seeding_twice_is_refused_and_a_bad_scale_is_explained(session_factory) -> None:
    _seed(session_factory)
    with UnitOfWork(session_factory) as uow:
        with pytest.raises(Conflict, match="already holds"):
            synth.seed(uow.session, scale=SCALE, seed=1)
        with pytest.raises(InvalidInput, match="scale"):
            synth.seed(uow.session, scale=0, seed=1)
    with session_factory() as s:
        assert synth.existing_seed(s) is not None
        assert verification.verify(s).ok


def test_new_rows_after_a_seed_get_fresh_ids(session_factory) -> None:
    from tests import factories as f

    _seed(session_factory)
    with UnitOfWork(session_factory) as uow:
        made = f.facility(uow.session)
        uow.commit()
    with session_factory() as s:
        assert made.id == s.scalar(select(func.max(Facility.id)))


def test_the_seeded_formulary_lists_every_drug_for_every_tariff_year(session_factory) -> None:
    """From 1404 on every year repeats the drug row that prescribing and claims read; the
    earlier years are cheaper by 25 % a year, rounded down to 1,000 rials, and 10005 (a
    covered drug whose code is a multiple of five) entered the cover only in 1403."""
    _seed(session_factory)
    with UnitOfWork(session_factory) as uow:
        s = uow.session
        listed = {
            (code, year): (covered, price)
            for code, year, covered, price in s.execute(
                select(
                    Drug.generic_code, DrugYear.year, DrugYear.covered, DrugYear.price_rials
                ).join(Drug, Drug.id == DrugYear.drug_id)
            )
        }
        drugs = {d.generic_code: d for d in s.scalars(select(Drug))}
        assert len(listed) == len(drugs) * 9  # 1402 to 1410
        for code, d in drugs.items():
            for year in range(1404, 1411):
                assert listed[code, year] == (d.covered, d.price_rials)
        # 10005: 40,000 + (10005 mod 97 = 14) x 9,000 = 166,000 in force;
        # 1403: 166,000 x 100 // 125 = 132,800 -> 132,000; 1402: 132,800 -> 106,240 -> 106,000
        assert drugs["10005"].price_rials == 166_000
        assert listed["10005", 1403] == (True, 132_000)
        assert listed["10005", 1402] == (False, 106_000)
        assert listed["10001", 1402][0] is True
        # a drug entered by hand after the seed gets a fresh id in the yearly table too
        catalogues.record_drug_year(
            s, SYSTEM, generic_code="10001", year=1401, covered=True, price_rials=1_000
        )
        uow.commit()
