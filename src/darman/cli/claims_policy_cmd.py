"""``darman claims policy``: the adjudication policy in force, and setting it."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from darman.cli.context import console, unit_of_work
from darman.common.errors import FieldProblem, InvalidInput
from darman.security.principal import SYSTEM

app = typer.Typer(
    help="Adjudication policy: copayment, filing deadline, programme rollouts by province",
    no_args_is_help=True,
)
NATIONAL_FA = "کشوری"


def _date(text: str | None, field: str) -> dt.date | None:
    from darman.common.validators import parse_any_date

    try:
        day: dt.date | None = parse_any_date(text)
        return day
    except ValueError as exc:
        raise InvalidInput(f"{field} is not a date", [FieldProblem(field, str(exc))]) from exc


def _required_date(text: str, field: str) -> dt.date:
    day = _date(text, field)
    if day is None:
        raise InvalidInput(f"{field} is required", [FieldProblem(field, "required")])
    return day


@app.command("show")
def show() -> None:
    """Copayment and filing-deadline periods in force, and where each programme runs."""
    from darman.claims import policy
    from darman.common.jalali import format_jalali
    from darman.registry import service_support as registry_service_support

    with unit_of_work() as uow:
        s = uow.session
        code: dict[int, str] = {}

        def province(pid: int | None) -> str:
            if pid is None:
                return NATIONAL_FA
            if pid not in code:
                code[pid] = registry_service_support.province_code_of(s, pid)
            return code[pid]

        copay = Table(title="سهم بیمار (درصد) — copayment percent in force")
        for col in ("province", "visit type", "ownership", "percent", "from", "to"):
            copay.add_column(col, justify="right" if col == "percent" else "left")
        for c in policy.effective_copay(s):
            copay.add_row(
                province(c.province_id),
                c.visit_type,
                c.ownership,
                str(c.percent),
                format_jalali(c.valid_from),
                format_jalali(c.valid_to),
            )
        console.print(copay)
        deadlines = Table(title="مهلت ارسال اسناد (روز) — filing deadline in force")
        for col in ("province", "days", "from", "to"):
            deadlines.add_column(col, justify="right" if col == "days" else "left")
        for d in policy.effective_deadlines(s):
            deadlines.add_row(
                province(d.province_id),
                str(d.days),
                format_jalali(d.valid_from),
                format_jalali(d.valid_to),
            )
        console.print(deadlines)
        rollouts = Table(title="استقرار برنامه‌ها — programme rollouts")
        for col in ("programme", "province", "active from"):
            rollouts.add_column(col)
        for r in policy.list_rollouts(s):
            label = policy.PROGRAMME_LABELS_FA.get(policy.Programme(r.programme), r.programme)
            rollouts.add_row(label, province(r.province_id), format_jalali(r.active_from))
        console.print(rollouts)


@app.command("copay")
def set_copay(
    visit_type: str = typer.Option(..., help="outpatient, inpatient or emergency"),
    ownership: str = typer.Option(..., help="owned or contracted"),
    percent: int = typer.Option(..., help="patient's share, whole percent"),
    valid_from: str = typer.Option(..., "--from", help="first day, 1405/01/01 or 2026-03-21"),
    valid_to: str | None = typer.Option(None, "--to", help="last day; open if omitted"),
    province: str | None = typer.Option(None, help="province code; nation-wide if omitted"),
    note: str = typer.Option("", help="why, e.g. the circular's number"),
) -> None:
    """Set the copayment percentage from a date on."""
    from darman.claims import policy
    from darman.common.jalali import format_jalali
    from darman.registry import service_support as registry_service_support

    with unit_of_work() as uow:
        s = uow.session
        entry = policy.set_copay(
            s,
            SYSTEM,
            province_id=registry_service_support.province_id_for(s, province) if province else None,
            visit_type=visit_type,
            ownership=ownership,
            percent=percent,
            valid_from=_required_date(valid_from, "--from"),
            valid_to=_date(valid_to, "--to"),
            note=note,
        )
        uow.commit()
    console.print(
        f"copayment {percent}% for {visit_type} at {ownership} centres "
        f"from {format_jalali(entry.valid_from)} (entry {entry.id})"
    )


@app.command("deadline")
def set_deadline(
    days: int = typer.Option(..., help="days after the service a document may be filed"),
    valid_from: str = typer.Option(..., "--from", help="first submission day it applies to"),
    valid_to: str | None = typer.Option(None, "--to", help="last day; open if omitted"),
    province: str | None = typer.Option(None, help="province code; nation-wide if omitted"),
    note: str = typer.Option("", help="why, e.g. the circular's number"),
) -> None:
    """Set the filing deadline from a date on."""
    from darman.claims import policy
    from darman.common.jalali import format_jalali
    from darman.registry import service_support as registry_service_support

    with unit_of_work() as uow:
        s = uow.session
        entry = policy.set_filing_deadline(
            s,
            SYSTEM,
            province_id=registry_service_support.province_id_for(s, province) if province else None,
            days=days,
            valid_from=_required_date(valid_from, "--from"),
            valid_to=_date(valid_to, "--to"),
            note=note,
        )
        uow.commit()
    console.print(
        f"filing deadline {days} days from {format_jalali(entry.valid_from)} (entry {entry.id})"
    )


@app.command("rollout")
def set_rollout(
    programme: str = typer.Option(..., help="referral or eprescription"),
    province: str = typer.Option(..., help="province code"),
    active_from: str = typer.Option(..., "--from", help="first day the rule applies"),
) -> None:
    """Start (or move the start of) a programme's claims rule in a province."""
    from darman.claims import policy
    from darman.common.jalali import format_jalali
    from darman.registry import service_support as registry_service_support

    with unit_of_work() as uow:
        s = uow.session
        row = policy.set_rollout(
            s,
            SYSTEM,
            province_id=registry_service_support.province_id_for(s, province),
            programme=programme,
            active_from=_required_date(active_from, "--from"),
        )
        uow.commit()
    console.print(f"{programme} in province {province} from {format_jalali(row.active_from)}")


@app.command("bypass")
def set_bypass(
    province: str = typer.Option(..., help="province code where the referral programme runs"),
    percent: int | None = typer.Option(
        None, help="patient's share for a visit without referral; omit to reject it (R10)"
    ),
) -> None:
    """How a specialist visit without a valid referral is treated in a referral province."""
    from darman.claims import policy
    from darman.registry import service_support as registry_service_support

    with unit_of_work() as uow:
        s = uow.session
        policy.set_referral_bypass(
            s,
            SYSTEM,
            province_id=registry_service_support.province_id_for(s, province),
            copay_percent=percent,
        )
        uow.commit()
    if percent is None:
        console.print(f"province {province}: a visit without referral is rejected (R10)")
    else:
        console.print(f"province {province}: a visit without referral pays {percent}% (D03)")
