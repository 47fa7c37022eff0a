"""The time-boxed action plan of strategic purchasing: tasks with their owner unit or
affiliated company and the role that answers for them, Jalali start and due dates,
dependencies and status. The seeds' plan (10 days to design it, then tender, award and
delivery) ships as ``data/action_plan.csv`` with days counted from the plan's start.

A task is overdue when its due day has passed and it is not done; each role sees the
overdue tasks it owns. Progress is reported by the owning role or a national admin."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import tehran_today
from darman.procurement.models import PlanTask
from darman.procurement.stock import STAFF
from darman.security.enums import Role
from darman.security.principal import Principal

STATUSES = ("planned", "in_progress", "done")
STATUS_FA = {"planned": "برنامه‌ریزی‌شده", "in_progress": "در حال انجام", "done": "انجام‌شده"}


@dataclass(frozen=True)
class TaskView:
    task: PlanTask
    overdue: bool
    days_late: int
    blocked_by: list[str]  # unfinished tasks it depends on


def seed_plan(session: Session, who: Principal, *, plan_code: str, start: dt.date) -> int:
    """Write the shipped plan from ``start``; refuses a plan code already in use."""
    who.require_role(Role.ADMIN)
    if session.scalar(select(PlanTask.id).where(PlanTask.plan_code == plan_code)) is not None:
        raise Conflict(f"plan {plan_code} exists", [FieldProblem("plan_code", "in use")])
    text = resources.files("darman.procurement").joinpath("data/action_plan.csv").read_text("utf-8")
    n = 0
    for r in csv.DictReader(io.StringIO(text)):
        begin = start + dt.timedelta(days=int(r["start_offset"]))
        session.add(
            PlanTask(
                plan_code=plan_code,
                task_code=r["task_code"],
                title_fa=r["title_fa"],
                owner_unit=r["owner_unit"],
                owner_role=r["owner_role"],
                start_on=begin,
                due_on=begin + dt.timedelta(days=int(r["days"]) - 1),
                depends_on=r["depends_on"].replace(";", ","),
                status="planned",
            )
        )
        n += 1
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="seed_plan",
        entity="plan",
        entity_id=plan_code,
        after={"tasks": n, "start": start.isoformat()},
    )
    return n


def plan(
    session: Session, who: Principal, *, plan_code: str, on: dt.date | None = None
) -> list[TaskView]:
    """The plan's tasks by start day, each with its overdue flag and what blocks it."""
    who.require_role(*STAFF)
    on = on or tehran_today()
    tasks = list(
        session.scalars(
            select(PlanTask)
            .where(PlanTask.plan_code == plan_code)
            .order_by(PlanTask.start_on, PlanTask.task_code)
        )
    )
    if not tasks:
        raise NotFound(f"no plan {plan_code}")
    done = {t.task_code for t in tasks if t.status == "done"}
    return [
        TaskView(
            t,
            overdue=t.status != "done" and t.due_on < on,
            days_late=max(0, (on - t.due_on).days) if t.status != "done" else 0,
            blocked_by=[d for d in t.depends_on.split(",") if d and d not in done],
        )
        for t in tasks
    ]


def plan_codes(session: Session) -> list[str]:
    return list(session.scalars(select(PlanTask.plan_code).distinct().order_by(PlanTask.plan_code)))


def my_overdue(session: Session, who: Principal, *, on: dt.date | None = None) -> list[PlanTask]:
    """Overdue tasks owned by the caller's role, across plans."""
    on = on or tehran_today()
    return list(
        session.scalars(
            select(PlanTask)
            .where(
                PlanTask.owner_role == who.role.value,
                PlanTask.status != "done",
                PlanTask.due_on < on,
            )
            .order_by(PlanTask.due_on)
        )
    )


def update_task(
    session: Session,
    who: Principal,
    *,
    plan_code: str,
    task_code: str,
    status: str,
    progress_percent: float | None = None,
    on: dt.date | None = None,
) -> PlanTask:
    """Report a task's status; done needs the tasks it depends on done first. The owning
    role or a national admin only; audited."""
    on = on or tehran_today()
    task = session.scalar(
        select(PlanTask).where(PlanTask.plan_code == plan_code, PlanTask.task_code == task_code)
    )
    if task is None:
        raise NotFound(f"no task {task_code} in plan {plan_code}")
    if who.role is not Role.ADMIN and who.role.value != task.owner_role:
        raise PermissionDenied("only the owning role reports on a task")
    if status not in STATUSES:
        raise InvalidInput("unknown status", [FieldProblem("status", ", ".join(STATUSES))])
    if progress_percent is not None and not 0 <= progress_percent <= 100:
        raise InvalidInput("progress 0-100", [FieldProblem("progress_percent", "0 to 100")])
    if status == "done":
        waiting = [
            d
            for d in task.depends_on.split(",")
            if d
            and session.scalar(
                select(PlanTask.status).where(
                    PlanTask.plan_code == plan_code, PlanTask.task_code == d
                )
            )
            != "done"
        ]
        if waiting:
            raise Conflict(
                "tasks it depends on are not done",
                [FieldProblem("status", "first finish " + ", ".join(waiting))],
            )
    before = audit.snapshot(task)
    task.status = status
    if status == "done":
        task.progress_percent = 100.0
    elif progress_percent is not None:
        task.progress_percent = progress_percent
    elif status == "planned":
        task.progress_percent = 0.0
    task.done_on = on if status == "done" else None
    session.flush()
    audit.record(
        session,
        actor=who.username,
        action="update_task",
        entity="plan_task",
        entity_id=task.id,
        before=before,
        after=audit.snapshot(task),
    )
    return task
