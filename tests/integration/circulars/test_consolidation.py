"""From a cluster to a consolidated circular: the draft, two-person approval, the repeal on
the effective day, and the progress report."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from darman.audit.models import AuditEntry
from darman.circulars import consolidation, service, workbench
from darman.circulars.enums import ProjectStatus, Status
from darman.circulars.schemas import CircularCreate
from darman.common.errors import InvalidInput, PermissionDenied
from darman.common.jalali import tehran_today
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import Principal

ALI = Principal(user_id=1, username="ali", role=Role.ADMIN, scope_level=ScopeLevel.NATIONAL)
SARA = Principal(user_id=2, username="sara", role=Role.HQ_ANALYST, scope_level=ScopeLevel.NATIONAL)
AUDITOR = Principal(user_id=3, username="ava", role=Role.AUDITOR, scope_level=ScopeLevel.NATIONAL)

RULE = (
    "تعرفه سونوگرافی در مراکز تصویربرداری استان یزد از ابتدای سال برابر ۴۵۰۰۰۰۰ ریال تعیین می‌شود.\n"
    "سهم بیمه شده ده درصد تعرفه دولتی است و مابه التفاوت از بیمار دریافت نمی‌شود."
)


def _load(session):
    service.create_many(
        session, ALI,
        [
            CircularCreate(number="1", issued_on="1400/01/10", issuer="دفتر تعرفه",
                           subject="تعرفه سونوگرافی", body=RULE),
            CircularCreate(number="2", issued_on="1401/01/10", issuer="دفتر تعرفه",
                           subject="تعرفه سونوگرافی",
                           body=RULE + "\nمراکز موظفند تعرفه را در محل پذیرش نصب کنند."),
            CircularCreate(number="3", issued_on="1401/05/01", issuer="اداره تدارکات",
                           subject="خرید دستکش",
                           body="خرید دستکش جراحی برای بیمارستان‌های ملکی "
                                "از طریق مناقصه سراسری انجام می‌شود."),
        ],
    )  # fmt: skip
    workbench.refresh(session, ALI)


def test_the_workbench_finds_the_two_circulars_on_one_rule(session):
    _load(session)
    [cluster] = workbench.clusters(session, ALI)
    assert [m.number for m in cluster.members] == ["1", "2"]
    assert cluster.best_containment == 1.0


def test_the_draft_keeps_each_paragraph_once_with_its_source(session):
    _load(session)
    view = consolidation.create(session, ALI, number="T-1", subject="تعرفه سونوگرافی (تجمیعی)",
                                members=["2", "1"], effective_on=dt.date(2020, 1, 1))  # fmt: skip
    assert view.members == ["1", "2"]
    assert view.project.draft.splitlines() == [
        "تعرفه سونوگرافی در مراکز تصویربرداری استان یزد از ابتدای سال برابر ۴۵۰۰۰۰۰ ریال "
        "تعیین می‌شود. 〔از بخشنامه‌ی 1〕",
        "سهم بیمه شده ده درصد تعرفه دولتی است و مابه التفاوت از بیمار دریافت نمی‌شود. "
        "〔از بخشنامه‌ی 1〕",
        "مراکز موظفند تعرفه را در محل پذیرش نصب کنند. 〔از بخشنامه‌ی 2〕",
    ]


def test_two_different_people_must_approve_and_a_repeated_approval_counts_once(session):
    _load(session)
    consolidation.create(session, ALI, number="T-1", subject="تعرفه سونوگرافی",
                         members=["1", "2"], effective_on=dt.date(2020, 1, 1))  # fmt: skip
    assert consolidation.approve(session, ALI, "T-1").project.status == ProjectStatus.DRAFT
    again = consolidation.approve(session, ALI, "T-1")
    assert (again.project.status, again.approvers) == (ProjectStatus.DRAFT, ["ali"])
    with pytest.raises(PermissionDenied):
        consolidation.approve(session, AUDITOR, "T-1")
    done = consolidation.approve(session, SARA, "T-1")
    # its effective day is past: applied at once, the members repealed
    assert (done.project.status, done.approvers) == (ProjectStatus.APPLIED, ["ali", "sara"])
    assert service.get(session, ALI, "1").status == Status.REPEALED
    assert service.get(session, ALI, "T-1").status == Status.IN_FORCE
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity == "circular_project")
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == [
        "circular.project.create",
        "circular.project.approve",
        "circular.project.approve",
    ]
    assert consolidation.approve(session, ALI, "T-1").project.status == ProjectStatus.APPLIED


def test_members_stay_in_force_until_the_effective_day_then_apply_due_repeals_them(session):
    _load(session)
    today = tehran_today()
    later = today + dt.timedelta(days=10)
    consolidation.create(session, ALI, number="T-2", subject="تعرفه سونوگرافی",
                         members=["1", "2"], effective_on=later)  # fmt: skip
    consolidation.approve(session, ALI, "T-2")
    assert consolidation.approve(session, SARA, "T-2").project.status == ProjectStatus.APPROVED
    assert service.get(session, ALI, "2").status == Status.IN_FORCE
    in_force = {f.circular.number for f in service.in_force(session, ALI, later)}
    assert in_force == {"3", "T-2"}
    assert consolidation.apply_due(session, ALI, today) == 0
    assert consolidation.apply_due(session, ALI, later) == 1
    assert consolidation.apply_due(session, ALI, later) == 0
    assert service.get(session, ALI, "2").status == Status.REPEALED
    report = workbench.progress(session, ALI, day=later)
    assert (report.total, report.in_force_before, report.in_force_now) == (4, 3, 2)
    assert report.clusters_left == 0
    assert report.projects == {"draft": 0, "approved": 0, "applied": 1}


def test_a_project_needs_two_members_that_exist_and_are_not_repealed(session):
    _load(session)
    with pytest.raises(InvalidInput) as caught:
        consolidation.create(session, ALI, number="T-3", subject="x", members=["1", "9"],
                             effective_on=dt.date(2030, 1, 1))  # fmt: skip
    assert [p.field for p in caught.value.problems] == ["members"]
    with pytest.raises(InvalidInput):
        consolidation.create(session, ALI, number="T-3", subject="x", members=["1"],
                             effective_on=dt.date(2030, 1, 1))  # fmt: skip


def test_clusters_are_read_as_last_stored_until_refreshed(session):
    service.create_many(
        session, ALI,
        [
            CircularCreate(number="1", issued_on="1400/01/10", issuer="دفتر تعرفه",
                           subject="تعرفه سونوگرافی", body=RULE),
            CircularCreate(number="2", issued_on="1401/01/10", issuer="دفتر تعرفه",
                           subject="تعرفه سونوگرافی", body=RULE + "\nمراکز تعرفه را نصب کنند."),
        ],
    )  # fmt: skip
    # never computed: nothing to read, and no clustering on a read
    assert workbench.clusters(session, ALI) == []
    assert workbench.computed(session, ALI) is None
    first = workbench.refresh(session, ALI)
    assert (first.circulars, first.clusters, first.by) == (2, 1, "ali")
    [cluster] = workbench.clusters(session, AUDITOR)
    assert [m.number for m in cluster.members] == ["1", "2"]
    # each is linked to one other: the older is the centre
    assert cluster.centre == "1"
    service.create(
        session, ALI,
        CircularCreate(number="3", issued_on="1402/01/10", issuer="دفتر تعرفه",
                       subject="تعرفه سونوگرافی", body=RULE + "\nنظارت با مدیر درمان است."),
    )  # fmt: skip
    # a third on the same rule waits for the next refresh
    assert [len(c.members) for c in workbench.clusters(session, ALI)] == [2]
    second = workbench.refresh(session, SARA)
    assert (second.circulars, second.by) == (3, "sara")
    assert [[m.number for m in c.members] for c in workbench.clusters(session, ALI)] == [
        ["1", "2", "3"]
    ]
    assert workbench.computed(session, ALI) == second  # only the latest run is kept
    refreshes = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "circular.clusters_refresh")
    ).all()
    assert [e.actor for e in refreshes] == ["ali", "sara"]
    with pytest.raises(PermissionDenied):
        workbench.refresh(session, AUDITOR)
