"""Dispensing: partial, never more than prescribed, expiry, foreign codes, idempotent
retries and the rows the claims rule R11 reads (requests at once: test_dispense_race)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from darman.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from darman.prescriptions import dispensing, issuing, rules
from darman.prescriptions.exceptions import PrescriptionExpired
from darman.prescriptions.models import PrescriptionDispensing
from darman.prescriptions.schemas import DispenseIn
from tests.integration.prescriptions.world import DAY, World, drug, order, rx


def issued(session, world: World, *lines, who: str = "doc") -> str:
    read = issuing.issue(session, world.who[who], data=rx(world.nid, *lines), on=DAY)
    assert read.tracking_code
    return read.tracking_code


def ask(code: str, nid: str, key: str, *lines: tuple[int, int]) -> DispenseIn:
    return DispenseIn(
        tracking_code=code,
        national_id=nid,
        request_key=key,
        lines=[{"line_no": n, "quantity": q} for n, q in lines],
    )


def test_a_line_can_be_dispensed_in_parts_up_to_what_was_prescribed(session, world) -> None:
    code = issued(session, world, drug("10005", 20, 7))
    first = dispensing.dispense(
        session, world.who["pharm_a"], data=ask(code, world.nid, "req-0001", (1, 12)), on=DAY
    )
    assert (first.lines[0].dispensed_total, first.lines[0].remaining) == (12, 8)
    second = dispensing.dispense(
        session, world.who["pharm_b"], data=ask(code, world.nid, "req-0002", (1, 8)), on=DAY
    )
    assert second.lines[0].remaining == 0
    looked = dispensing.lookup(
        session, world.who["pharm_a"], tracking_code=code, national_id=world.nid, on=DAY
    )
    assert looked.lines[0].dispensed == 20


def test_more_than_what_is_left_is_refused_with_the_line_at_fault(session, world) -> None:
    code = issued(session, world, drug("10005", 20, 7))
    dispensing.dispense(
        session, world.who["pharm_a"], data=ask(code, world.nid, "req-0001", (1, 15)), on=DAY
    )
    with pytest.raises(InvalidInput) as caught:
        dispensing.dispense(
            session, world.who["pharm_b"], data=ask(code, world.nid, "req-0002", (1, 6)), on=DAY
        )
    assert caught.value.problems[0].field == "lines.0.quantity"
    assert "5" in caught.value.problems[0].reason


def test_a_request_is_all_or_nothing(session, world) -> None:
    code = issued(session, world, drug("10005", 20, 7), drug("10011", 30, 30))
    with pytest.raises(InvalidInput):
        dispensing.dispense(
            session,
            world.who["pharm_a"],
            data=ask(code, world.nid, "req-0001", (1, 5), (2, 31)),
            on=DAY,
        )
    looked = dispensing.lookup(
        session, world.who["pharm_a"], tracking_code=code, national_id=world.nid, on=DAY
    )
    assert [li.dispensed for li in looked.lines] == [0, 0]


def test_a_retry_with_the_same_request_key_dispenses_nothing_again(session, world) -> None:
    code = issued(session, world, drug("10005", 20, 7))
    body = ask(code, world.nid, "req-retry-1", (1, 10))
    first = dispensing.dispense(session, world.who["pharm_a"], data=body, on=DAY)
    again = dispensing.dispense(session, world.who["pharm_a"], data=body, on=DAY)
    assert not first.replayed and again.replayed
    assert again.lines[0].dispensed_total == 10
    assert len(session.execute(dispensing.dispensed_for_claims()).all()) == 1
    assert session.scalar(select(func.count()).select_from(PrescriptionDispensing)) == 1


def test_a_request_key_reused_for_another_quantity_is_refused_and_dispenses_nothing(
    session, world
) -> None:
    code = issued(session, world, drug("10005", 20, 7))
    dispensing.dispense(
        session, world.who["pharm_a"], data=ask(code, world.nid, "req-reuse-1", (1, 5)), on=DAY
    )
    with pytest.raises(Conflict) as refused:
        dispensing.dispense(
            session,
            world.who["pharm_a"],
            data=ask(code, world.nid, "req-reuse-1", (1, 6)),
            on=DAY,
        )
    assert refused.value.problems[0].field == "request_key"
    looked = dispensing.lookup(
        session, world.who["pharm_a"], tracking_code=code, national_id=world.nid, on=DAY
    )
    assert [li.dispensed for li in looked.lines] == [5]


def test_the_claims_rules_read_each_dispensed_part_of_a_drug_and_an_audit_entry_is_written(
    session, world
) -> None:
    code = issued(session, world, drug("10005", 20, 7), order("200101"))
    dispensing.dispense(
        session, world.who["pharm_a"], data=ask(code, world.nid, "req-0001", (1, 12)), on=DAY
    )
    dispensing.dispense(
        session, world.who["pharm_b"], data=ask(code, world.nid, "req-0002", (1, 8)), on=DAY
    )
    got = sorted(tuple(r) for r in session.execute(dispensing.dispensed_for_claims()))
    assert got == [(code, world.nid, "10005", 8), (code, world.nid, "10005", 12)]
    from darman.audit.models import AuditEntry

    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "dispense")) is not None


def test_a_pharmacy_dispenses_drugs_and_a_laboratory_lab_orders(session, world) -> None:
    code = issued(session, world, drug("10005", 20, 7), order("200101"))
    with pytest.raises(InvalidInput) as caught:
        dispensing.dispense(
            session, world.who["pharm_a"], data=ask(code, world.nid, "req-0001", (2, 1)), on=DAY
        )
    assert caught.value.problems[0].field == "lines.0.line_no"
    done = dispensing.dispense(
        session, world.who["lab"], data=ask(code, world.nid, "req-lab-1", (2, 1)), on=DAY
    )
    assert done.lines[0].remaining == 0
    # an order is not a drug: nothing for the drug rule of claims
    assert session.execute(dispensing.dispensed_for_claims()).all() == []


def test_an_expired_prescription_is_refused_with_a_clear_error(session, world) -> None:
    code = issued(session, world, drug("10005", 20, 7))
    last_day = DAY + dt.timedelta(days=rules.DEFAULT_VALID_DAYS)
    dispensing.lookup(
        session, world.who["pharm_a"], tracking_code=code, national_id=world.nid, on=last_day
    )
    with pytest.raises(PrescriptionExpired) as caught:
        dispensing.dispense(
            session, world.who["pharm_a"], data=ask(code, world.nid, "req-0001", (1, 1)),
            on=last_day + dt.timedelta(days=1),
        )  # fmt: skip
    assert caught.value.status == 410
    assert "expired" in caught.value.detail
    assert "به پایان رسیده" in caught.value.problems[0].reason


def test_a_tracking_code_with_another_persons_national_id_is_not_found(session, world) -> None:
    code = issued(session, world, drug("10005", 20, 7))
    with pytest.raises(NotFound) as caught:
        dispensing.lookup(
            session, world.who["pharm_a"], tracking_code=code, national_id=world.other_nid, on=DAY
        )
    assert caught.value.problems[0].field == "tracking_code"


def test_a_mistyped_tracking_code_is_refused_by_its_check_character(session, world) -> None:
    code = issued(session, world, drug("10005", 20, 7))
    typo = code[:-1] + ("2" if code[-1] != "2" else "3")
    with pytest.raises(InvalidInput, match="check character"):
        dispensing.lookup(
            session, world.who["pharm_a"], tracking_code=typo, national_id=world.nid, on=DAY
        )


def test_a_tracking_code_typed_in_groups_and_lower_case_is_found(session, world) -> None:
    code = issued(session, world, drug("10005", 20, 7))
    typed = rules.display_tracking_code(code).lower()
    read = dispensing.lookup(
        session, world.who["pharm_a"], tracking_code=typed, national_id=world.nid, on=DAY
    )
    assert read.tracking_code == code


def test_only_dispensing_facilities_look_up_and_dispense(session, world) -> None:
    code = issued(session, world, drug("10005", 20, 7))
    for who in ("doc", "boss", "manager"):
        with pytest.raises(PermissionDenied):
            dispensing.lookup(
                session, world.who[who], tracking_code=code, national_id=world.nid, on=DAY
            )


def test_a_request_key_reused_for_another_prescription_is_a_conflict(session, world) -> None:
    one = issued(session, world, drug("10005", 20, 7))
    two = issued(session, world, drug("10011", 30, 30))
    dispensing.dispense(
        session, world.who["pharm_a"], data=ask(one, world.nid, "req-0001", (1, 1)), on=DAY
    )
    with pytest.raises(Conflict):
        dispensing.dispense(
            session, world.who["pharm_a"], data=ask(two, world.nid, "req-0001", (1, 1)), on=DAY
        )
