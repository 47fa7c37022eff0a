"""Referral validity and feedback periods as dated policy: national and per province, from a
date on, audited, and taken by each referral on its issue day."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from darman.audit.models import AuditEntry
from darman.common.errors import InvalidInput, PermissionDenied
from darman.referrals import panels, policy, reading, rules, service
from darman.referrals.policy import DayKind, periods_on
from darman.security.principal import SYSTEM
from tests.integration.referrals.world import TODAY, referral

DAY = dt.timedelta(days=1)


def test_without_entries_the_built_in_periods_apply(session, world) -> None:
    got = periods_on(session, world.tehran_id, TODAY)
    assert (got.valid_days, got.feedback_days) == (
        rules.DEFAULT_VALID_DAYS,
        rules.DEFAULT_FEEDBACK_DAYS,
    )
    read = policy.referral_policy(session)
    assert [(p.province_code, p.days) for p in read.valid_days] == [(None, 30)]
    assert [(p.province_code, p.days) for p in read.feedback_days] == [(None, 14)]


def test_a_province_entry_beats_the_national_one_and_the_latest_start_wins(session, world) -> None:
    policy.set_days(session, SYSTEM, kind=DayKind.VALID, days=60, valid_from=TODAY - 10 * DAY)
    policy.set_days(
        session, SYSTEM, kind=DayKind.VALID, days=20, valid_from=TODAY, province_code="08"
    )
    policy.set_days(session, SYSTEM, kind=DayKind.VALID, days=45, valid_from=TODAY + 5 * DAY)
    assert periods_on(session, world.tehran_id, TODAY - DAY).valid_days == 60
    assert periods_on(session, world.tehran_id, TODAY).valid_days == 20
    assert periods_on(session, world.tehran_id, TODAY + 9 * DAY).valid_days == 20
    assert periods_on(session, world.far_id, TODAY).valid_days == 60
    assert periods_on(session, world.far_id, TODAY + 5 * DAY).valid_days == 45
    assert periods_on(session, world.far_id, TODAY - 11 * DAY).valid_days == 30
    # feedback is a separate parameter and untouched
    assert periods_on(session, world.tehran_id, TODAY).feedback_days == 14
    periods = policy.referral_policy(session).valid_days
    national = [(p.valid_from, p.days) for p in periods if p.province_code is None]
    assert national[1:] == [(TODAY - 10 * DAY, 60), (TODAY + 5 * DAY, 45)]
    assert national[0][1] == 30
    assert [(p.valid_from, p.days) for p in periods if p.province_code == "08"] == [(TODAY, 20)]


def test_an_issued_referral_takes_the_periods_of_its_province_and_day(session, world) -> None:
    nid = world.nids[0]
    panels.enrol(session, world.who["doc"], national_id=nid)
    policy.set_days(
        session, SYSTEM, kind=DayKind.VALID, days=10, valid_from=TODAY, province_code="08"
    )
    policy.set_days(session, SYSTEM, kind=DayKind.FEEDBACK, days=5, valid_from=TODAY - DAY)
    read = service.issue(session, world.who["doc"], data=referral(nid, world.hospital))
    assert read.valid_until == TODAY + 9 * DAY
    assert read.feedback_due_on == TODAY + 5 * DAY
    # a later change does not move the dates of a referral already written
    policy.set_days(session, SYSTEM, kind=DayKind.VALID, days=90, valid_from=TODAY)
    policy.set_days(
        session, SYSTEM, kind=DayKind.VALID, days=90, valid_from=TODAY, province_code="08"
    )
    again = reading.get(session, world.who["doc"], referral_id=read.id)
    assert again.valid_until == TODAY + 9 * DAY


def test_setting_a_period_is_for_headquarters_audited_and_checked(session, world) -> None:
    with pytest.raises(PermissionDenied):
        policy.set_days(
            session, world.who["manager"], kind=DayKind.VALID, days=10, valid_from=TODAY
        )
    for days in (0, 366):
        with pytest.raises(InvalidInput) as caught:
            policy.set_days(session, SYSTEM, kind=DayKind.VALID, days=days, valid_from=TODAY)
        assert caught.value.problems[0].field == "days"
    with pytest.raises(InvalidInput) as caught:
        policy.set_days(
            session,
            SYSTEM,
            kind=DayKind.FEEDBACK,
            days=10,
            valid_from=TODAY,
            valid_to=TODAY - DAY,
        )
    assert caught.value.problems[0].field == "valid_to"
    with pytest.raises(InvalidInput) as caught:
        policy.set_days(
            session, SYSTEM, kind=DayKind.FEEDBACK, days=10, valid_from=TODAY, province_code="99"
        )
    assert caught.value.problems[0].field == "province_code"
    policy.set_days(session, SYSTEM, kind=DayKind.FEEDBACK, days=21, valid_from=TODAY)
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "set_policy").order_by(AuditEntry.id)
    ).all()
    assert len(entries) == 1 and entries[0].after["parameter"] == "referral_feedback_days"
    assert periods_on(session, world.far_id, TODAY).feedback_days == 21
