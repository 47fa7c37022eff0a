"""The interaction and specialty tables shipped as data agree with the formulary."""

from __future__ import annotations

from darman.prescriptions import tables
from darman.synth import catalogue
from darman.synth.names import SPECIALTIES

FORMULARY = {d[0]: d for d in catalogue.DRUGS}


def test_every_interacting_pair_names_two_formulary_generics() -> None:
    table = tables.interactions()
    assert len(table) >= 12
    for pair in table:
        assert pair <= set(FORMULARY)


def test_warfarin_with_aspirin_or_an_nsaid_is_severe() -> None:
    table = tables.interactions()
    for other in ("10013", "10006", "10024"):
        assert table[frozenset({"10028", other})].severity == "severe"


def test_every_specialist_only_drug_has_permitted_specialties_of_the_registry() -> None:
    permitted = tables.permitted_specialties()
    names = {name for name, _level in SPECIALTIES}
    specialist = {code for code, d in FORMULARY.items() if d[6]}
    assert set(permitted) == specialist
    for specialties in permitted.values():
        assert specialties and specialties <= names


def test_every_drug_has_a_maximum_days_of_supply() -> None:
    assert set(catalogue.DRUG_MAX_DAYS) == set(FORMULARY)
    assert catalogue.DRUG_MAX_DAYS["10007"] == 90  # metformin, chronic
    assert catalogue.DRUG_MAX_DAYS["10005"] == 30  # paracetamol, acute
