"""``darman referrals``: rollout by province, indicators, unenrolled people, overdue feedback."""

from __future__ import annotations

import datetime as dt

import typer

from darman.cli.cells import table, verbatim
from darman.cli.context import console, unit_of_work
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.persian import to_persian_digits
from darman.security.principal import SYSTEM

app = typer.Typer(
    help="Referral system and family physician: rollout, indicators, unenrolled, overdue",
    no_args_is_help=True,
)


@app.command("rollout")
def rollout(
    seed: bool = typer.Option(False, help="write the shipped rollout (Tehran, Alborz: phase 1)"),
    province: str | None = typer.Option(None, help="province code to place in a phase"),
    phase: int | None = typer.Option(None, help="1 (internal referral) or 2"),
    active_from: str | None = typer.Option(None, "--from", help="first day, 1405/01/01"),
) -> None:
    """Show which provinces are in which phase from which day; optionally set one."""
    from darman.common.validators import parse_any_date
    from darman.referrals import rollout as referrals_rollout

    with unit_of_work() as uow:
        s = uow.session
        if seed:
            referrals_rollout.seed_rollout(s, SYSTEM)
        if province is not None:
            if phase is None or active_from is None:
                raise InvalidInput(
                    "--phase and --from are needed with --province",
                    [FieldProblem("--phase" if phase is None else "--from", "required")],
                )
            try:
                start = parse_any_date(active_from)
            except ValueError as exc:
                raise InvalidInput(
                    "--from is not a date", [FieldProblem("--from", str(exc))]
                ) from exc
            referrals_rollout.set_phase(
                s, SYSTEM, province_code=province, phase=phase, active_from=start
            )
        rows = referrals_rollout.rollout(s)
        uow.commit()
    console.print(
        table(
            "استقرار نظام ارجاع",
            ("کد استان", "استان", "مرحله", "از"),
            ((r.province_code, r.province_name_fa, r.phase, r.active_from_jalali) for r in rows),
        )
    )


@app.command("periods")
def periods(
    kind: str | None = typer.Option(
        None, help="valid_days (how long a referral is valid) or feedback_days (when due)"
    ),
    days: int | None = typer.Option(None, help="the number of days, 1 to 365"),
    active_from: str | None = typer.Option(None, "--from", help="first day, 1405/01/01"),
    until: str | None = typer.Option(None, "--to", help="last day; open if omitted"),
    province: str | None = typer.Option(None, help="province code; national if omitted"),
) -> None:
    """Show the validity and feedback periods in force; with --kind, --days and --from set
    one for referrals written from that day on."""
    from darman.common.jalali import format_period_end, format_period_start
    from darman.referrals import policy

    with unit_of_work() as uow:
        s = uow.session
        if kind is not None:
            if kind not in {k.value for k in policy.DayKind}:
                raise InvalidInput(
                    "unknown --kind", [FieldProblem("--kind", "valid_days or feedback_days")]
                )
            if days is None or active_from is None:
                raise InvalidInput(
                    "--days and --from are needed with --kind",
                    [FieldProblem("--days" if days is None else "--from", "required")],
                )
            policy.set_days(
                s,
                SYSTEM,
                kind=policy.DayKind(kind),
                days=days,
                valid_from=_day(active_from, "--from"),
                valid_to=_day(until, "--to") if until else None,
                province_code=province,
            )
        read = policy.referral_policy(s)
        uow.commit()
    for title, rows in (
        ("مدت اعتبار ارجاع (روز)", read.valid_days),
        ("مهلت پس‌خوراند (روز)", read.feedback_days),
    ):
        console.print(
            table(
                title,
                ("استان", "روز", "از", "تا"),
                (
                    (
                        r.province_code or "کشوری",
                        r.days,
                        format_period_start(r.valid_from),
                        format_period_end(r.valid_to),
                    )
                    for r in rows
                ),
                numeric=("روز",),
            )
        )


def _day(text: str, option: str) -> dt.date:
    from darman.common.validators import parse_any_date

    try:
        return parse_any_date(text)
    except ValueError as exc:
        raise InvalidInput(f"{option} is not a date", [FieldProblem(option, str(exc))]) from exc


@app.command("indicators")
def indicators(
    year: int | None = typer.Option(None, help="Jalali year, e.g. 1405; this year if omitted"),
    province: str | None = typer.Option(None, help="province code; every province if omitted"),
) -> None:
    """Referral rate, internal share, feedback and bypass rates, average panel size."""
    from darman.common.jalali import fiscal_year, tehran_today
    from darman.referrals import indicators as referrals_indicators

    if year is None:
        year = fiscal_year(tehran_today())
    with unit_of_work() as uow:
        report = referrals_indicators.indicators(
            uow.session, SYSTEM, year=year, province_code=province
        )
    header = ("ماه", "استان", "ارجاع", "در هزار ویزیت", "درون‌سطحی٪", "پس‌خوراند٪",
              "بی‌ارجاع٪", "میانگین جمعیت تحت پوشش")  # fmt: skip
    console.print(
        table(
            f"شاخص‌های نظام ارجاع {to_persian_digits(year)}",
            header,
            (
                (
                    r.month_label,
                    r.province_name_fa,
                    r.referrals,
                    r.referral_rate_per_1000_visits,
                    r.internal_share_percent,
                    r.feedback_rate_percent,
                    r.bypass_rate_percent,
                    r.average_panel_size,
                )
                for r in report.rows
            ),
            numeric=header[2:],
        )
    )


@app.command("unenrolled")
def unenrolled(
    province: str = typer.Option(..., help="province code"),
    page: int = typer.Option(1, min=1),
    size: int = typer.Option(50, min=1, max=500),
) -> None:
    """Insured people of a province without a family physician."""
    from darman.common.paging import PageParams
    from darman.referrals import panels

    with unit_of_work() as uow:
        result = panels.unenrolled(
            uow.session, SYSTEM, page=PageParams(page=page, size=size), province_code=province
        )
    console.print(
        table(
            f"بدون پزشک خانواده: {to_persian_digits(result.total)} نفر",
            ("کد ملی", "نام", "تاریخ تولد"),
            (
                (p.national_id, f"{p.first_name} {p.last_name}", p.birth_date_jalali)
                for p in result.items
            ),
        )
    )


@app.command("overdue")
def overdue(
    province: str | None = typer.Option(None, help="province code; every province if omitted"),
    page: int = typer.Option(1, min=1),
    size: int = typer.Option(50, min=1, max=500),
) -> None:
    """Referrals whose feedback is later than expected, longest overdue first."""
    from darman.common.paging import PageParams
    from darman.referrals import reading

    with unit_of_work() as uow:
        result = reading.overdue(
            uow.session, SYSTEM, page=PageParams(page=page, size=size), province_code=province
        )
    header = ("ارجاع", "تخصص", "به", "صدور", "سررسید", "روز دیرکرد")
    console.print(
        table(
            f"پس‌خوراند دیرکرددار: {to_persian_digits(result.total)}",
            header,
            (
                (
                    verbatim(r.ref_number),
                    r.specialty,
                    r.to_facility_code or r.to_facility_name,
                    r.issued_on_jalali,
                    r.feedback_due_on,
                    r.days_overdue,
                )
                for r in result.items
            ),
            numeric=("روز دیرکرد",),
        )
    )
