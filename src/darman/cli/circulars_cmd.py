"""``darman circulars``: import, search, in force on a day, a circular's timeline, clusters
of overlapping circulars, consolidation progress, and the synthetic corpus's check.

Tables in Persian with Persian digits; dates Jalali."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from darman.cli.context import console, unit_of_work
from darman.common.persian import to_persian_digits
from darman.security.principal import SYSTEM

app = typer.Typer(
    help="Circulars: import, Persian search, in force on a day, clusters, consolidation",
    no_args_is_help=True,
)


def _fa(value: object) -> str:
    return to_persian_digits(value)


def _share(value: float) -> str:
    return _fa(f"{value:.3f}".replace(".", "٫"))


@app.command("import")
def import_folder(
    folder: Path = typer.Argument(..., help="folder of .docx/.txt/.md files and metadata.csv"),
) -> None:
    """Store every circular metadata.csv lists (all or none; each bad row is named)."""
    from darman.circulars import importing

    with unit_of_work() as uow:
        made = importing.import_folder(uow.session, SYSTEM, folder)
        uow.commit()
    console.print(f"{_fa(len(made))} بخشنامه ثبت شد")


@app.command("load-synthetic")
def load_synthetic(
    seed: int = typer.Option(1405, help="the corpus's seed"),
    topics: int = typer.Option(460, help="rules to write circulars about (about 4 each)"),
) -> None:
    """Store the synthetic corpus of about 2,000 circulars with their effects."""
    from darman.circulars import workbench

    with unit_of_work() as uow, console.status("ثبت پیکره‌ی ساختگی…"):
        n = workbench.load_synthetic(uow.session, SYSTEM, topics=topics, seed=seed)
        uow.commit()
    console.print(f"{_fa(n)} بخشنامه‌ی ساختگی ثبت شد")


@app.command("search")
def search(
    query: str = typer.Argument(..., help="words to find, typed any way"),
    issuer: str | None = typer.Option(None, help="only this issuing unit"),
    status: str | None = typer.Option(None, help="in_force, amended or repealed"),
    since: str | None = typer.Option(None, "--from", help="issued on or after (1403/01/01)"),
    until: str | None = typer.Option(None, "--to", help="issued on or before"),
    province: str | None = typer.Option(None, help="only those binding this province"),
    kind: str | None = typer.Option(None, "--facility-kind", help="only those binding it"),
    limit: int = typer.Option(20, min=1, max=200),
) -> None:
    """Circulars holding every word of the query, best first, with the matched passage."""
    from darman.circulars import audience
    from darman.circulars import search as searching
    from darman.circulars.enums import STATUS_FA, Status
    from darman.common.errors import FieldProblem, InvalidInput
    from darman.common.jalali import parse_jalali

    if status is not None and status not in {s.value for s in Status}:
        raise InvalidInput(
            "وضعیت ناشناخته", [FieldProblem("--status", "in_force, amended, repealed")]
        )
    filters = searching.Filters(
        issued_from=parse_jalali(since, field="--from") if since else None,
        issued_to=parse_jalali(until, field="--to") if until else None,
        issuer=issuer,
        status=Status(status) if status else None,
        province=audience.code_of(audience.PROVINCE, province),
        facility_kind=audience.code_of(audience.FACILITY_KIND, kind),
    )
    with unit_of_work() as uow:
        found = searching.search(uow.session, SYSTEM, query, filters=filters, limit=limit)
    counted = f"بیش از {_fa(found.total)}" if found.more else _fa(found.total)
    table = Table(title=f"{counted} بخشنامه یافت شد")
    for h in ("شماره", "تاریخ", "موضوع", "وضعیت", "بخش یافته"):
        table.add_column(h)
    for hit in found.hits:
        shown, last = [], 0
        for a, b in hit.marks:
            shown.append(hit.passage[last:a] + "[bold yellow]" + hit.passage[a:b] + "[/]")
            last = b
        shown.append(hit.passage[last:])
        table.add_row(_fa(hit.number), hit.issued_on_fa, hit.subject,
                      STATUS_FA[Status(hit.status)], "".join(shown))  # fmt: skip
    console.print(table)


@app.command("in-force")
def in_force(
    on: str = typer.Option(..., "--on", help="the day, Jalali (1405/01/01)"),
    issuer: str | None = typer.Option(None, help="only this issuing unit"),
    province: str | None = typer.Option(None, help="only those binding this province"),
    kind: str | None = typer.Option(None, "--facility-kind", help="only those binding it"),
    limit: int = typer.Option(50, min=1, help="rows to show"),
) -> None:
    """The circulars that applied on the day, with their status then and amendments."""
    from darman.circulars import audience, service
    from darman.circulars.enums import STATUS_FA
    from darman.common.jalali import format_jalali, parse_jalali

    day = parse_jalali(on, field="--on")
    with unit_of_work() as uow:
        found = service.in_force(
            uow.session,
            SYSTEM,
            day,
            issuer=issuer,
            province=audience.code_of(audience.PROVINCE, province),
            facility_kind=audience.code_of(audience.FACILITY_KIND, kind),
        )
        table = Table(title=f"بخشنامه‌های نافذ در {format_jalali(day)}: {_fa(len(found))}")
        for h in ("شماره", "تاریخ", "صادرکننده", "موضوع", "وضعیت", "اصلاحیه‌ها"):
            table.add_column(h)
        for f in found[:limit]:
            c = f.circular
            amended_by = _fa("، ".join(e.source for e in f.amendments))
            table.add_row(
                _fa(c.number), format_jalali(c.issued_on), c.issuer, c.subject,
                STATUS_FA[f.status], amended_by,
            )  # fmt: skip
    console.print(table)


@app.command("attach")
def attach(
    number: str = typer.Argument(..., help="the circular's number"),
    files: list[Path] = typer.Argument(..., help="files to attach (pdf, docx, xlsx, images…)"),
) -> None:
    """Attach files to a circular; a file already attached is left as it is."""
    from darman.circulars import attachments
    from darman.common.errors import FieldProblem, InvalidInput

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise InvalidInput(
            f"پرونده‌ی {'، '.join(missing)} نیست", [FieldProblem("FILES", m) for m in missing]
        )
    with unit_of_work() as uow:
        results = [
            attachments.attach(uow.session, SYSTEM, number, f.name, f.read_bytes()) for f in files
        ]
        uow.commit()
    table = Table(title=f"پیوست‌های بخشنامه‌ی {_fa(number)}")
    for h in ("پرونده", "اندازه (بایت)", "نتیجه"):
        table.add_column(h)
    for a, new in results:
        table.add_row(
            a.filename, _fa(f"{a.size_bytes:,}"), "پیوست شد" if new else "پیش‌تر پیوست بود"
        )
    console.print(table)


@app.command("show")
def show(number: str = typer.Argument(..., help="the circular's number")) -> None:
    """One circular's particulars, whom it binds, its attachments and its timeline."""
    from darman.circulars import attachments, service

    with unit_of_work() as uow:
        c = service.read(service.get(uow.session, SYSTEM, number))
        events = service.timeline(uow.session, SYSTEM, number)
        files = attachments.listed(uow.session, SYSTEM, number)
    console.print(f"{_fa(c.number)} — {c.subject} — {c.issuer} — {c.issued_on_fa} — {c.status_fa}")
    console.print(f"مخاطبان: {c.audience_fa}")
    for f in files:
        console.print(f"پیوست: {f.filename} ({_fa(f'{f.size_bytes:,}')} بایت)")
    table = Table(title="سرگذشت")
    for h in ("تاریخ", "رویداد", "بندها"):
        table.add_column(h)
    for e in events:
        table.add_row(e.on_fa, _fa(e.label_fa), e.provisions)
    console.print(table)


@app.command("clusters")
def clusters(
    limit: int = typer.Option(30, min=1, help="clusters to show"),
    refresh: bool = typer.Option(False, "--refresh", help="recompute and store them first"),
) -> None:
    """The stored groups of overlapping circulars in force, largest first; with --refresh,
    computed again over the circulars in force now and stored."""
    from darman.circulars import workbench

    with unit_of_work() as uow:
        if refresh:
            with console.status("خوشه‌بندی…"):
                workbench.refresh(uow.session, SYSTEM)
            uow.commit()
        computed = workbench.computed(uow.session, SYSTEM)
        found = workbench.clusters(uow.session, SYSTEM)
    if computed is None:
        console.print("خوشه‌ها هنوز محاسبه نشده‌اند: darman circulars clusters --refresh")
        return
    took = _fa(f"{computed.seconds:.1f}".replace(".", "٫"))
    console.print(
        f"محاسبه‌شده در {computed.at_fa} از {_fa(computed.circulars)} بخشنامه‌ی نافذ در {took} ثانیه"
    )
    table = Table(title=f"{_fa(len(found))} خوشه‌ی بخشنامه‌های همپوشان")
    for h in ("ردیف", "تعداد", "موضوع", "شماره‌ها", "بیشترین شباهت"):
        table.add_column(h)
    for i, c in enumerate(found[:limit], start=1):
        numbers = _fa("، ".join(m.number for m in c.members))
        table.add_row(
            _fa(i), _fa(len(c.members)), c.members[0].subject, numbers,
            _fa(f"{c.best_jaccard:.2f}"),
        )  # fmt: skip
    console.print(table)


@app.command("progress")
def progress() -> None:
    """Circulars in force before and now, clusters left, and the way to the target."""
    from darman.circulars import workbench

    with unit_of_work() as uow:
        p = workbench.progress(uow.session, SYSTEM)
    console.print(
        f"کل بخشنامه‌ها: {_fa(p.total)} | نافذ پیش از تجمیع: {_fa(p.in_force_before)} | "
        f"نافذ اکنون: {_fa(p.in_force_now)} | هدف: {_fa(p.target)} | "
        f"خوشه‌های مانده: {_fa(p.clusters_left)} | پیشرفت: {_fa(round(100 * p.share_done))}٪"
    )


@app.command("apply-due")
def apply_due() -> None:
    """Repeal the members of approved consolidations whose effective day has come."""
    from darman.circulars import consolidation

    with unit_of_work() as uow:
        n = consolidation.apply_due(uow.session, SYSTEM)
        uow.commit()
    console.print(f"{_fa(n)} طرح تجمیعی اجرا شد")


@app.command("check-synthetic")
def check_synthetic(
    seed: int = typer.Option(1405, help="the corpus's seed"),
    topics: int = typer.Option(460, help="rules in the corpus"),
) -> None:
    """Cluster the synthetic corpus and print precision and recall of same-cluster pairs
    against its truth (the aim: at least 0.9 each)."""
    from darman.circulars import synthetic

    with console.status("خوشه‌بندی پیکره‌ی ساختگی…"):
        r = synthetic.check(topics=topics, seed=seed)
    s = r.score
    console.print(
        f"بخشنامه‌ها: {_fa(r.circulars)} | موضوع‌ها: {_fa(r.topics)} | خوشه‌ها: {_fa(r.clusters)}"
    )
    console.print(
        f"دقت (precision) {_share(s.precision)}  بازیابی (recall) {_share(s.recall)}"
        f"  — جفت‌های پیش‌بینی‌شده {_fa(s.predicted_pairs)}، جفت‌های درست {_fa(s.true_pairs)}، "
        f"درست یافته {_fa(s.correct_pairs)}"
    )
    console.print(f"جفت‌های نامزد LSH: {_fa(r.candidates)} از {_fa(r.all_pairs)}")
