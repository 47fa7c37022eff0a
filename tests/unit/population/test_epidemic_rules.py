"""The episodes as data and the kernel on tables built by hand (no database)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from darman.population import epidemic_kernel
from darman.population.epidemic_definitions import episodes, normalise_icd10, parse


def test_the_shipped_covid_episode_names_its_codes_period_and_intensive_care() -> None:
    (covid,) = episodes()
    assert covid.icd10_prefixes == ("U071", "U072")
    assert covid.start == dt.date(2025, 3, 21) and covid.end == dt.date(2027, 3, 20)
    assert covid.icu_service_codes == ("500102", "500103", "500104")
    assert covid.matches_diagnosis("u07.1") and not covid.matches_diagnosis("U08.9")
    assert normalise_icd10(" j12.8 ") == "J128"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[[episode]]\nicd10_prefixes=["U07.1"]\nstart="1404/01/01"\nend="1404/02/01"', "code"),
        ('[[episode]]\ncode="x"\nstart="1404/01/01"\nend="1404/02/01"', "icd10_prefixes"),
        ('[[episode]]\ncode="x"\nicd10_prefixes=["A"]\nstart="1404/13/01"\nend="1404/02/01"',
         "Jalali"),
        ('[[episode]]\ncode="x"\nicd10_prefixes=["A"]\nstart="1404/03/01"\nend="1404/02/01"',
         "before start"),
    ],
)  # fmt: skip
def test_a_bad_episode_is_refused_naming_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse(text)


def test_intensive_care_days_are_never_more_than_the_stay() -> None:
    day = dt.date(2025, 5, 1)
    claims = pa.table({
        "claim_id": [1], "national_id": ["0012345678"], "province_id": [8], "facility_id": [3],
        "ownership": ["owned"], "admission_date": pa.array([day], pa.date32()),
        "discharge_date": pa.array([day + dt.timedelta(days=2)], pa.date32()),
        "diagnoses": ["U07.1"],
    })  # fmt: skip
    lines = pa.table({
        "claim_id": [1], "item_type": ["service"], "code": ["500102"], "quantity": [5],
        "outcome": ["accepted"], "allowed_rials": [5_000], "insurer_rials": [5_000],
    })  # fmt: skip
    out = epidemic_kernel.admissions(
        claims=claims, lines=lines, icd10_prefixes=("U071",), icu_service_codes=("500102",),
        start=day, end=day,
    )  # fmt: skip
    assert out.to_pylist()[0]["los_days"] == 2 and out.to_pylist()[0]["icu_days"] == 2
