"""``darman population``: build the chronic-disease registers and print the care cascade of
a quarter, in Persian tables."""

from __future__ import annotations

from collections.abc import Sequence

import typer
from rich.table import Table

from darman.cli import epidemic_cmd
from darman.cli.context import console, unit_of_work
from darman.common.persian import to_persian_digits
from darman.security.principal import SYSTEM

app = typer.Typer(help="Population health: chronic-disease registers and their care cascade",
                  no_args_is_help=True)  # fmt: skip

QUARTER_HELP = "Jalali quarter, e.g. 1405Q2 (its last month is the reference)"
CASCADE_HEADER = (
    "ثبت", "استان", "ثبت‌شده", "تحت مراقبت", "ثبت‌شده بیش از ۳ ماه", "کنترل‌شده", "کنترل‌نشده",
    "بی‌مراجعه در ۳ ماه", "از پیگیری خارج‌شده",
)  # fmt: skip


def _fa(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return to_persian_digits(f"{value:,}")
    return to_persian_digits(str(value))


def _show(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = Table(title=title)
    for h in header:
        table.add_column(h)
    for row in rows:
        table.add_row(*(_fa(v) for v in row))
    console.print(table)


def _names() -> tuple[dict[str, str], dict[int, str]]:
    from darman.population import definitions
    from darman.registry import service as registry_service

    with unit_of_work() as uow:
        provinces = {p.id: p.name_fa for p in registry_service.list_provinces(uow.session)}
    return {r.code: r.name_fa for r in definitions.registers()}, provinces


@app.command("registers")
def registers() -> None:
    """Add to the registers the people found on adjudicated claims and prescriptions since
    the last build, then print the people on each register per province."""
    from darman.population import service

    with unit_of_work() as uow, console.status("building the registers…"):
        built = service.build_registers(uow.session, SYSTEM)
        uow.commit()
    added = sum(n for by_source in built.added.values() for n in by_source.values())
    console.print(f"{_fa(added)} ورود تازه به ثبت‌ها")
    with unit_of_work() as uow:
        counts = service.register_counts(uow.session, SYSTEM)
    reg_names, provinces = _names()
    _show(
        "بیماران ثبت‌شده به تفکیک استان",
        ("ثبت", "استان", "نفر", "از اسناد", "از نسخه", "ثبت پزشک"),
        [
            (reg_names.get(c.register_code, c.register_code), provinces.get(c.province_id, "—"),
             c.people, c.from_claims, c.from_prescriptions, c.from_enrolment)
            for c in counts
        ],
    )  # fmt: skip


@app.command("cascade")
def cascade(
    quarter: str = typer.Option(
        ..., help="Jalali quarter, e.g. 1405Q2 (its last month is the reference)"
    ),
    physician: str = typer.Option(
        "", help="a family physician's council number: the cascade of their panel only"
    ),
) -> None:
    """The care cascade of every register per province for a quarter, or of one family
    physician's panel (--physician)."""
    from darman.population import service

    if physician.strip():
        _panel_cascade(quarter, physician.strip())
        return
    with unit_of_work() as uow:
        read = service.cascade(uow.session, SYSTEM, quarter=quarter)
    reg_names, provinces = _names()
    rows = service.cascade_by_province(read)
    year, number = read.quarter.split("Q")
    _show(
        f"آبشار مراقبت — فصل {_fa(number)} سال {_fa(year)}",
        CASCADE_HEADER,
        [
            (reg_names.get(r.register_code, r.register_code), provinces.get(r.province_id, "—"),
             r.registered, r.under_care, r.cohort, r.controlled, r.uncontrolled, r.no_visit_3m,
             r.lost_to_follow_up)
            for r in rows
        ],
    )  # fmt: skip


def _panel_cascade(quarter: str, physician: str) -> None:
    from darman.population import panel_cascade

    with unit_of_work() as uow:
        read = panel_cascade.panel_cascade(
            uow.session, SYSTEM, quarter=quarter, council_number=physician
        )
    reg_names, _ = _names()
    year, number = read.quarter.split("Q")
    _show(
        f"آبشار مراقبت فهرست دکتر {read.physician_name} ({_fa(read.council_number)}) — "
        f"فصل {_fa(number)} سال {_fa(year)}، {_fa(read.members)} نفر در فهرست",
        ("ثبت", *CASCADE_HEADER[2:]),
        [
            (reg_names.get(r.register_code, r.register_code), r.registered, r.under_care,
             r.cohort, r.controlled, r.uncontrolled, r.no_visit_3m, r.lost_to_follow_up)
            for r in read.rows
        ],
    )  # fmt: skip


@app.command("due")
def due(
    physician: str = typer.Option(..., help="the family physician's council number"),
    on: str = typer.Option("", help="Jalali reference day, e.g. 1405/06/31 (default: today)"),
) -> None:
    """A family physician's patients aged 60 and over with the screenings due to them."""
    from darman.common.errors import FieldProblem, InvalidInput
    from darman.common.jalali import format_jalali, parse_jalali
    from darman.population import prevention

    try:
        day = parse_jalali(on.strip()) if on.strip() else None
    except InvalidInput:
        raise InvalidInput(
            f"روز مرجع «{on}» تاریخ شمسی درستی نیست؛ به شکل ۱۴۰۵/۰۶/۳۱ بنویسید",
            [FieldProblem("on", "a Jalali day like 1405/06/31")],
        ) from None
    with unit_of_work() as uow:
        read = prevention.due_list(uow.session, SYSTEM, council_number=physician, on=day)
    console.print(
        f"{read.physician_name} — {_fa(read.elderly)} نفر ۶۰ ساله و بیشتر در فهرست، "
        f"{_fa(len(read.patients))} نفر با مراقبت عقب‌افتاده ({format_jalali(read.on)})"
    )
    _show(
        "مراقبت‌های سالمندان: موعد رسیده",
        ("کد ملی", "نام", "سن", "مراقبت‌های موعد رسیده", "آخرین انجام"),
        [
            (p.national_id, f"{p.first_name} {p.last_name}", p.age,
             "، ".join(s.name_fa for s in p.due),
             "، ".join(format_jalali(s.last_done) if s.last_done else "هرگز" for s in p.due))
            for p in read.patients
        ],
    )  # fmt: skip


app.add_typer(epidemic_cmd.app, name="epidemic")
