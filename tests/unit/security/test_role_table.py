"""The one table of what each role may do, and the groups derived from it."""

from __future__ import annotations

from darman.claims.payment import PAYERS
from darman.claims.review import REVIEWERS
from darman.prescriptions.dispensing import DISPENSERS
from darman.security.enums import Role, ScopeLevel
from darman.security.rules import ALLOWED_SCOPES, MAY, Act, roles_that


def test_every_role_has_a_row_and_every_act_a_role() -> None:
    assert set(MAY) == set(Role)
    assert [a for a in Act if not roles_that(a)] == []


def test_a_group_lists_the_roles_allowed_the_act_in_declaration_order() -> None:
    assert roles_that(Act.REVIEW_CLAIMS) == (Role.ADMIN, Role.CLAIMS_REVIEWER)
    assert roles_that(Act.DISPENSE) == (Role.PROVIDER_USER, Role.PHARMACIST)
    assert roles_that(Act.MANAGE_PANELS) == (Role.ADMIN, Role.PROVINCE_MANAGER)
    assert roles_that(Act.RUN_CLAIMS_BATCHES) == (Role.ADMIN, Role.HQ_ANALYST)
    assert roles_that(Act.READ_REMITTANCE) == (
        Role.ADMIN,
        Role.FINANCE_OFFICER,
        Role.PROVIDER_USER,
        Role.AUDITOR,
    )


def test_the_domains_groups_are_read_from_the_table() -> None:
    assert REVIEWERS == (Role.ADMIN, Role.CLAIMS_REVIEWER)
    assert PAYERS == (Role.ADMIN, Role.FINANCE_OFFICER)
    assert Role.PHYSICIAN not in DISPENSERS


def test_desk_acts_go_only_to_roles_that_work_at_a_facility() -> None:
    facility_acts = {Act.DISPENSE, Act.RECEIVE_REFERRALS}
    holders = {r for a in facility_acts for r in roles_that(a)}
    assert all(ALLOWED_SCOPES[r] == {ScopeLevel.FACILITY} for r in holders)
