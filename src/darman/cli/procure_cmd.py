"""``darman procure``: quantification, tender awards, stock-outs, suppliers, the action plan.

Tables in Persian; ``--out FILE.xlsx`` (or ``.csv``) writes the whole result."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from darman.cli import cells
from darman.cli.context import console, unit_of_work
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.persian import to_persian_digits
from darman.security.principal import SYSTEM

if TYPE_CHECKING:
    from darman.procurement import tables

app = typer.Typer(
    help="Strategic purchasing: quantify, award tenders, stock-outs, suppliers, action plan",
    no_args_is_help=True,
)
OUT_HELP = "also write the whole result to this .xlsx or .csv file"


def _num(value: object, digits: int = 2) -> str:
    return str(cells.cell(value, digits))


def _show(
    title: str, header: Sequence[str], rows: Sequence[Sequence[object]], digits: int = 2
) -> None:
    console.print(cells.table(title, header, rows, digits=digits))


def _write(table: tables.Table, out: Path | None, sheet: str) -> None:
    if out is None:
        return
    from darman.common.tabular import TableFormat, write_table

    try:
        fmt = TableFormat.from_filename(out.name)
    except ValueError as exc:
        problem = FieldProblem("--out", str(exc))
        raise InvalidInput("--out must end in .xlsx or .csv", [problem]) from exc
    out.write_bytes(write_table(table[0], table[1], fmt, sheet=sheet))
    console.print(f"نوشته شد: {out}")


@app.command("quantify")
def quantify(
    province: str | None = typer.Option(None, help="province code; the nation if omitted"),
    level: str = typer.Option("province", help="facility, province or nation"),
    months: int = typer.Option(12, help="look-back window in months"),
    last_month: int | None = typer.Option(None, help="last month, Jalali yyyymm"),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Adjusted monthly consumption, months of stock and the quantity to order per item."""
    from darman.procurement import service, tables
    from darman.procurement.quantify import Policy

    if level not in ("facility", "province", "nation"):
        raise InvalidInput("unknown level", [FieldProblem("--level", "facility, province, nation")])
    with unit_of_work() as uow, console.status("quantifying…"):
        q = service.quantification(
            uow.session,
            SYSTEM,
            province_code=province,
            last_month=last_month,
            policy=Policy(lookback_months=months),
        )
        table = tables.quantification_table(uow.session, q, level)
    shown = table[1][:60]
    _show(f"برآورد نیاز تا ماه {cells.month(q.last_month)}", table[0], shown)
    if len(table[1]) > len(shown):
        console.print(
            f"{_num(len(shown))} ردیف از {_num(len(table[1]))} نشان داده شد؛ --out همه را می‌نویسد"
        )
    _write(table, out, "quantification")


@app.command("award")
def award(
    tender: str = typer.Argument(..., help="tender code, e.g. NT-1405-01"),
    store: bool = typer.Option(False, "--store", help="store the award and close the tender"),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Score the bids and split each item across suppliers; show the savings."""
    from darman.common.solver import status_fa
    from darman.procurement import service, tables

    with unit_of_work() as uow:
        ev = (service.award_tender if store else service.evaluate)(uow.session, SYSTEM, code=tender)
        read = tables.evaluation_dict(ev)
        table = tables.award_table(ev)
        names = {c.code: c.name_fa for c in ev.items.values()}
        if store:
            uow.commit()
    _show(f"تخصیص مناقصه‌ی {tender}", table[0], table[1])
    console.print(
        cells.table(
            "نتیجه‌ی حل",
            ("وضعیت حل", "زمان (ثانیه)", "فاصله‌ی بهینگی", "سهم واسطه‌ها (درصد)"),
            [
                (
                    status_fa(read["status"]),
                    _num(read["seconds"]),
                    _num(read["mip_gap"], 6),
                    _num(100 * read["intermediary_share"], 1),
                )
            ],
        )
    )
    for label, key in (
        ("صرفه در برابر تک‌منبع با کمترین قیمت", "saving_against_single_source_rials"),
        ("صرفه در برابر خرید فقط از واسطه‌ها", "saving_against_intermediaries_rials"),
    ):
        console.print(f"{label}: {_num(read[key])} ریال")
    if read["short"]:
        _show(
            "اقلام بی‌تأمین",
            ("کد کالا", "کالا", "مقدار تأمین‌نشده"),
            [(code, names.get(code, "—"), qty) for code, qty in sorted(read["short"].items())],
        )
    if store:
        console.print("تخصیص ثبت شد و مناقصه بسته شد")
    _write(table, out, "award")


@app.command("stockouts")
def stockouts(
    province: str | None = typer.Option(None, help="province code; the nation if omitted"),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Facility items out of stock or below minimum, and months of stock by province."""
    from darman.procurement import service, tables

    with unit_of_work() as uow:
        found = service.stockouts(uow.session, SYSTEM, province_code=province)
    _show(
        "موجودی استان‌ها",
        ["کد", "استان", "میانه‌ی ماه موجودی", "سهم اقلام حیاتی موجود"],
        [
            [
                p["province_code"],
                p["province_name_fa"],
                p["median_months_of_stock"],
                p["vital_in_stock_share"],
            ]
            for p in found.provinces
        ],
    )
    header = ["استان", "مرکز", "کالا", "اهمیت", "وضعیت", "موجودی", "ماه موجودی", "سفارش"]
    rows: list[Sequence[object]] = [
        [
            r["province_name_fa"],
            r["facility_code"],
            r["item_name_fa"],
            tables.CRITICALITY_FA[r["criticality"]],
            tables.STATUS_FA_STOCK[r["status"]],
            r["soh"],
            r["mos"],
            r["order_qty"],
        ]
        for r in found.rows
    ]
    _show(f"ناموجود و کمتر از حداقل ({to_persian_digits(len(rows))})", header, rows[:60])
    _write((header, rows), out, "stockouts")


@app.command("suppliers")
def suppliers() -> None:
    """The supplier register with performance scores from deliveries."""
    from darman.procurement import service, tables

    with unit_of_work() as uow:
        rows = [
            [
                s.code,
                s.name_fa,
                tables.KIND_FA[s.kind],
                "بله" if s.affiliated else "خیر",
                s.lead_time_days,
                round(score, 1),
            ]
            for s, score in service.suppliers(uow.session, SYSTEM)
        ]
    _show(
        "تأمین‌کنندگان",
        ["کد", "نام", "نوع", "وابسته", "زمان تحویل (روز)", "امتیاز عملکرد"],
        rows,
    )


@app.command("plan")
def plan(
    code: str | None = typer.Argument(None, help="plan code; the first one if omitted"),
) -> None:
    """The action plan's tasks, Jalali dates, dependencies and overdue flags."""
    from darman.procurement import service, tables

    with unit_of_work() as uow:
        codes = service.plan_codes(uow.session)
        chosen = code or (codes[0] if codes else None)
        if chosen is None:
            raise InvalidInput("no action plan yet", [FieldProblem("code", "none seeded")])
        rows = []
        for v in service.plan(uow.session, SYSTEM, plan_code=chosen):
            d = tables.task_dict(v)
            rows.append(
                [
                    d["task_code"],
                    d["title_fa"],
                    d["owner_unit"],
                    d["start_jalali"],
                    d["due_jalali"],
                    ", ".join(d["depends_on"]) or "—",
                    d["status_fa"],
                    d["days_late"] if d["overdue"] else "—",
                ]
            )
    _show(
        f"برنامه‌ی اجرایی {chosen}",
        ["کد", "کار", "مسئول", "شروع", "پایان", "وابسته به", "وضعیت", "دیرکرد (روز)"],
        rows,
    )
