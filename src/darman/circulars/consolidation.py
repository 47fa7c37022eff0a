"""Consolidation projects: a consolidated circular drafted from a cluster, the circulars it
repeals named, two-person approval, and the repeal on its effective day.

The draft keeps each distinct paragraph of the members once, oldest member first, each
marked with the circular it came from. Approval needs two different people with the right
to write circulars; an approval given twice by one person counts once (a retried request
changes nothing). The second approval issues the consolidated circular with a
``consolidates`` effect on every member from the project's effective day, so "in force on
D" follows at once and the stored statuses change on that day (``apply_due``). Every step
is audited in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.circulars import service, text
from darman.circulars.enums import EffectKind, ProjectStatus, Status
from darman.circulars.models import Circular, ConsolidationProject, ProjectApproval, ProjectMember
from darman.circulars.schemas import CircularCreate, EffectIn
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound
from darman.common.jalali import tehran_today
from darman.security.principal import Principal

APPROVALS_NEEDED = 2
SOURCE_MARK = "〔از بخشنامه‌ی {number}〕"


class ProjectNotFound(NotFound):
    pass


def draft_text(members: list[tuple[str, str]]) -> str:
    """The consolidated draft from ``(number, body)`` pairs, oldest first: every paragraph
    not already taken (compared normalised), followed by the mark of its source."""
    seen: set[str] = set()
    lines = []
    for number, body in members:
        for paragraph in (p.strip() for p in body.splitlines()):
            key = text.normalize(paragraph)
            if not key or key in seen:
                continue
            seen.add(key)
            lines.append(f"{paragraph} {SOURCE_MARK.format(number=number)}")
    return "\n".join(lines)


@dataclass(frozen=True)
class ProjectView:
    project: ConsolidationProject
    members: list[str]
    approvers: list[str]


def _view(session: Session, p: ConsolidationProject) -> ProjectView:
    members = session.scalars(
        select(Circular.number)
        .join(ProjectMember, ProjectMember.circular_id == Circular.id)
        .where(ProjectMember.project_id == p.id)
        .order_by(Circular.issued_on, Circular.number)
    ).all()
    approvers = session.scalars(
        select(ProjectApproval.approver)
        .where(ProjectApproval.project_id == p.id)
        .order_by(ProjectApproval.seq)
    ).all()
    return ProjectView(p, list(members), list(approvers))


def get(session: Session, who: Principal, number: str) -> ProjectView:
    who.require_role(*service.READERS)
    p = session.scalar(select(ConsolidationProject).where(ConsolidationProject.number == number))
    if p is None:
        raise ProjectNotFound(
            f"طرح تجمیعی با شماره‌ی {number} نیست", [FieldProblem("number", "ناموجود")]
        )
    return _view(session, p)


def list_projects(session: Session, who: Principal) -> list[ProjectView]:
    who.require_role(*service.READERS)
    found = session.scalars(select(ConsolidationProject).order_by(ConsolidationProject.id))
    return [_view(session, p) for p in found]


def create(
    session: Session,
    who: Principal,
    *,
    number: str,
    subject: str,
    members: list[str],
    effective_on: dt.date,
) -> ProjectView:
    """Draft a consolidated circular numbered ``number`` from ``members``, which it will
    repeal. InvalidInput for fewer than two members, a member not found or already repealed
    or in another open project; Conflict for a number already used."""
    who.require_role(*service.WRITERS)
    wanted = sorted(set(members))
    if len(wanted) < 2:
        raise InvalidInput(
            "طرح تجمیعی دست‌کم دو بخشنامه می‌خواهد", [FieldProblem("members", "کمتر از دو")]
        )
    taken = session.scalar(select(func.count()).where(ConsolidationProject.number == number))
    taken = taken or session.scalar(select(func.count()).where(Circular.number == number))
    if taken:
        raise Conflict(f"شماره‌ی {number} پیش‌تر به کار رفته است", [FieldProblem("number", "تکراری")])
    found = {
        c.number: c for c in session.scalars(select(Circular).where(Circular.number.in_(wanted)))
    }
    problems = [
        FieldProblem("members", f"بخشنامه‌ی {n} در مخزن نیست") for n in wanted if n not in found
    ]
    problems += [
        FieldProblem("members", f"بخشنامه‌ی {n} پیش‌تر نسخ شده است")
        for n, c in found.items()
        if c.status == Status.REPEALED.value
    ]
    busy = session.scalars(
        select(Circular.number)
        .join(ProjectMember, ProjectMember.circular_id == Circular.id)
        .join(ConsolidationProject, ConsolidationProject.id == ProjectMember.project_id)
        .where(
            Circular.number.in_(wanted), ConsolidationProject.status == ProjectStatus.DRAFT.value
        )
    ).all()
    problems += [FieldProblem("members", f"بخشنامه‌ی {n} در طرح باز دیگری است") for n in busy]
    if problems:
        raise InvalidInput("طرح تجمیعی ساخته نشد", problems)
    ordered = sorted(found.values(), key=lambda c: (c.issued_on, c.number))
    project = ConsolidationProject(
        number=number,
        subject=subject,
        draft=draft_text([(c.number, c.body) for c in ordered]),
        effective_on=effective_on,
        status=ProjectStatus.DRAFT.value,
        created_by=who.username,
    )
    session.add(project)
    session.flush()
    for c in ordered:
        session.add(ProjectMember(project_id=project.id, circular_id=c.id))
    audit.record(
        session, actor=who.username, action="circular.project.create", entity="circular_project",
        entity_id=number,
        after={"members": [c.number for c in ordered], "effective_on": effective_on.isoformat()},
    )  # fmt: skip
    return _view(session, project)


def approve(session: Session, who: Principal, number: str) -> ProjectView:
    """Record ``who``'s approval. The second different approver issues the consolidated
    circular (see the module). Approving again, or a project already approved, changes
    nothing."""
    who.require_role(*service.WRITERS)
    view = get(session, who, number)
    p = view.project
    if who.username in view.approvers or p.status != ProjectStatus.DRAFT.value:
        return view
    session.add(
        ProjectApproval(project_id=p.id, approver=who.username, seq=len(view.approvers) + 1)
    )
    audit.record(
        session, actor=who.username, action="circular.project.approve", entity="circular_project",
        entity_id=number, after={"approval": len(view.approvers) + 1},
    )  # fmt: skip
    if len(view.approvers) + 1 >= APPROVALS_NEEDED:
        _issue(session, who, p, view.members)
    session.flush()
    return _view(session, p)


def _issue(session: Session, who: Principal, p: ConsolidationProject, members: list[str]) -> None:
    today = tehran_today()
    issued = service.create(
        session,
        who,
        CircularCreate(
            number=p.number,
            issued_on=min(today, p.effective_on),
            effective_from=p.effective_on,
            issuer="معاونت درمان",
            subject=p.subject,
            body=p.draft,
            effects=[
                EffectIn(kind=EffectKind.CONSOLIDATES, target=m, effective_on=p.effective_on)
                for m in members
            ],
        ),
    )
    p.circular_id = issued.id
    p.status = (
        ProjectStatus.APPLIED.value if p.effective_on <= today else ProjectStatus.APPROVED.value
    )


def apply_due(session: Session, who: Principal, day: dt.date | None = None) -> int:
    """On and after an approved project's effective day its members' stored statuses turn
    to repealed and the project to applied; the number of projects applied now. Running it
    again the same day changes nothing."""
    who.require_role(*service.WRITERS)
    today = day or tehran_today()
    due = list(
        session.scalars(
            select(ConsolidationProject).where(
                ConsolidationProject.status == ProjectStatus.APPROVED.value,
                ConsolidationProject.effective_on <= today,
            )
        )
    )
    if not due:
        return 0
    service.refresh_statuses(session, today)
    for p in due:
        p.status = ProjectStatus.APPLIED.value
        audit.record(
            session, actor=who.username, action="circular.project.apply", entity="circular_project",
            entity_id=p.number, after={"on": today.isoformat()},
        )  # fmt: skip
    return len(due)
