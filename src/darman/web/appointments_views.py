"""Pages of merit-based appointment: for the national office and readers, a call's posts
with their interview panels' agreement, a post's ranking under any rule version, and the
fairness report with its chart; for candidates, their own result by national ID and access
code (no account), showing only their own scores; for a rater signed in, their own
scorecards and the form to score. Every table downloads as Excel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import select

from darman.appointments import rules, service, tables
from darman.appointments.models import Call
from darman.common.client import client_address
from darman.common.errors import AuthenticationFailed, DarmanError, NotFound, TooManyAttempts
from darman.common.persian import to_ascii_digits
from darman.security.deps import ReadUowDep, UowDep
from darman.security.principal import Principal
from darman.web import downloads
from darman.web.rendering import PagePrincipal, page_context, render, templates

router = APIRouter(include_in_schema=False)


def _small_whole(text: str) -> int | None:
    """A version number or a mark typed in either script; None for anything else (a
    superscript digit passes str.isdigit but not int, and a long one is no version)."""
    digits = to_ascii_digits(text.strip())
    return int(digits) if digits.isascii() and digits.isdecimal() and len(digits) <= 4 else None


@router.get("/appointments")
def call_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, call: str = "", download: str = ""
) -> Response:
    """The call's posts the caller may see, with a link to each ranking, and the interview
    panels with their ICC (flagged below 0.5)."""
    who.require_role(*service.READERS)
    s = uow.session
    calls = list(s.scalars(select(Call).order_by(Call.opens_on.desc())))
    chosen = next((c for c in calls if c.code == call), calls[0] if calls else None)
    posts, panels = [], []
    if chosen is not None:
        posts = service.list_posts(s, who, call_code=chosen.code)
        panels = service.panels(s, who, call_id=chosen.id)
        if download == "panels":
            return downloads.xlsx(tables.panels_table(panels), f"panels-{chosen.code}")
    context = page_context(s, who, active="appointments")
    context.update(
        {
            "calls": calls, "chosen": chosen, "posts": posts, "panels": panels,
            "flagged": sum(1 for p in panels if p.agreement.flagged),
        }
    )  # fmt: skip
    return render(request, "appointments/call.html", context)


@router.get("/appointments/posts/{code}")
def ranking_page(
    request: Request,
    who: PagePrincipal,
    uow: ReadUowDep,
    code: str,
    version: str = "",
    download: str = "",
) -> Response:
    """A post's stored ranking under a rule version (the latest ranked unless chosen), the
    rule applied, the versions published, and the post's interview panels."""
    who.require_role(*service.READERS)
    return _post_page(request, who, uow.session, code, version=version, download=download)


def _post_page(
    request: Request,
    who: Principal,
    s: Any,
    code: str,
    *,
    version: str = "",
    download: str = "",
    error: str | None = None,
    seated: int | None = None,
    unseated: int | None = None,
    status: int = 200,
) -> Response:
    asked = _small_whole(version)
    post = service.get_post(s, who, code)
    history = service.rule_history(s, who, post_code=code)
    try:
        _, rule, lines = service.read_ranking(s, who, post_code=code, version=asked)
    except (NotFound, service.NothingRanked):
        rule, lines = None, []
    if download == "xlsx" and rule is not None:
        return downloads.xlsx(tables.ranking_table(lines), f"ranking-{code}-v{rule.version}")
    context = page_context(s, who, active="appointments")
    context.update(
        {
            "post": post, "rule": rule, "lines": lines, "history": history,
            "outcome_fa": tables.outcome_fa, "quotas_fa": rules.QUOTAS,
            "tie_fa": rules.TIE_BREAKS, "seats": service.seats(s, who, post_code=code),
            "can_seat": who.role in service.RUNNERS and who.is_national,
            "seat_error": error, "seated": seated, "unseated": unseated,
        }
    )  # fmt: skip
    return render(request, "appointments/ranking.html", context, status_code=status)


@router.post("/appointments/posts/{code}/panels")
def seat_raters(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    code: str,
    panel: Annotated[str, Form()] = "",
    raters: Annotated[str, Form()] = "",
) -> Response:
    """The national office seats raters (codes separated by commas or spaces) on one of
    the post's interview panels; a refusal is shown in Persian and nothing is seated."""
    codes = [c for c in raters.replace("،", ",").replace(",", " ").split() if c]
    return _change_seats(
        request, who, uow, code,
        lambda: service.seat_raters(uow.session, who, post_code=code, panel=panel,
                                    rater_codes=codes),
        unseat=False,
    )  # fmt: skip


@router.post("/appointments/posts/{code}/panels/unseat")
def unseat_rater(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    code: str,
    rater: Annotated[str, Form()] = "",
) -> Response:
    """The national office takes a rater who has not scored on the post off its panel;
    sent again it changes nothing; a refusal is shown in Persian."""
    return _change_seats(
        request, who, uow, code,
        lambda: service.unseat_raters(uow.session, who, post_code=code, rater_codes=[rater]),
        unseat=True,
    )  # fmt: skip


def _change_seats(
    request: Request,
    who: Principal,
    uow: Any,
    code: str,
    change: Callable[[], int],
    *,
    unseat: bool,
) -> Response:
    try:
        changed = change()
    except DarmanError as exc:
        uow.rollback()
        reasons = "؛ ".join(p.reason for p in exc.problems if p.reason)
        error = exc.detail + (f" ({reasons})" if reasons else "")
        return _post_page(request, who, uow.session, code, error=error, status=exc.status)
    uow.commit()
    if unseat:
        return _post_page(request, who, uow.session, code, unseated=changed)
    return _post_page(request, who, uow.session, code, seated=changed)


@router.get("/appointments/calls/{code}/fairness")
def fairness_page(
    request: Request, who: PagePrincipal, uow: ReadUowDep, code: str, download: str = ""
) -> Response:
    """Adverse impact per stage and overall by sex, province of origin and age band, with a
    chart of the impact ratio of each sex per stage against the four-fifths line."""
    who.require_role(*service.READERS)
    s = uow.session
    report = service.fairness_report(s, who, call_code=code)
    if download == "xlsx":
        return downloads.xlsx(tables.fairness_table(report), f"fairness-{code}")
    groups: dict[str, list[float | None]] = {}
    for st in service.STAGES:
        for g in report.lines.get((st, "sex"), []):
            groups.setdefault(g.group, []).append(g.impact_ratio)
    chart = {
        "stages": [service.STAGES[st] for st in service.STAGES if (st, "sex") in report.lines],
        "groups": groups,
    }
    context = page_context(s, who, active="appointments")
    context.update(
        {
            "report": report, "stages": service.STAGES, "dimensions": service.DIMENSIONS,
            "adverse": tables.adverse_lines(report), "chart": chart,
        }
    )  # fmt: skip
    return render(request, "appointments/fairness.html", context)


def _rater_page(
    request: Request,
    who: Principal,
    s: Any,
    code: str | None,
    *,
    error: str | None = None,
    saved: int | None = None,
    status: int = 200,
) -> Response:
    """A rater's cards: the one of ``code`` for a reader, the caller's own for ``None``."""
    if code is None:
        rater, cards, declared = service.own_cards(s, who)
        action, can_score = "/appointments/my-scorecards", True
    else:
        rater, cards, declared = service.rater_cards(s, who, rater_code=code)
        action, can_score = f"/appointments/raters/{code}", who.role in service.RUNNERS
    context = page_context(s, who, active="appointments")
    context.update(
        {
            "rater": rater, "cards": cards, "declared": declared, "error": error,
            "saved": saved, "competencies": rules.COMPETENCIES, "scale": rules.SCALE,
            "relations": rules.RELATIONS, "can_score": can_score, "action": action,
            "own": code is None,
        }
    )  # fmt: skip
    return render(request, "appointments/rater.html", context, status_code=status)


@router.get("/appointments/raters/{code}")
def rater_page(request: Request, who: PagePrincipal, uow: ReadUowDep, code: str) -> Response:
    """A rater's scorecards (one line per candidate, a mark per competency), what they
    declared, and, for the national office, the form to record their marks."""
    who.require_role(*service.READERS)
    return _rater_page(request, who, uow.session, code)


@router.get("/appointments/my-scorecards")
def own_cards_page(request: Request, who: PagePrincipal, uow: ReadUowDep) -> Response:
    """The candidates shortlisted on the posts whose panel the signed-in rater sits on,
    with the marks they gave, what they declared, and the form to score; no other rater's
    cards and no candidate outside their panels are reachable from here."""
    return _rater_page(request, who, uow.session, None)


FormText = Annotated[str, Form()]


def _marks(**given: str) -> dict[str, int]:
    """The marks typed in either script; a blank or odd one is left out, so the service
    names the competency that is missing."""
    return {c: n for c, v in given.items() if (n := _small_whole(v)) is not None}


def _scored(
    request: Request, who: Principal, uow: Any, code: str | None, store: Callable[[], int]
) -> Response:
    """Run ``store``; a refusal (conflict of interest, a missing mark, an unknown post or
    candidate) is shown in Persian on the same page and nothing is stored."""
    try:
        saved = store()
    except DarmanError as exc:
        uow.rollback()
        reasons = "؛ ".join(p.reason for p in exc.problems if p.reason)
        error = exc.detail + (f" ({reasons})" if reasons else "")
        return _rater_page(request, who, uow.session, code, error=error, status=exc.status)
    uow.commit()
    return _rater_page(request, who, uow.session, code, saved=saved)


@router.post("/appointments/raters/{code}")
def rater_score(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    code: str,
    post_code: FormText = "",
    national_id: FormText = "",
    panel: FormText = "",
    leadership: FormText = "",
    planning: FormText = "",
    health_system: FormText = "",
    integrity: FormText = "",
) -> Response:
    """The national office records the rater's marks for one candidate."""
    marks = _marks(
        leadership=leadership, planning=planning, health_system=health_system,
        integrity=integrity,
    )  # fmt: skip
    return _scored(
        request, who, uow, code,
        lambda: service.score(
            uow.session, who, rater_code=code, post_code=post_code.strip(),
            national_id_=to_ascii_digits(national_id.strip()), panel=panel.strip() or None,
            marks=marks,
        ),
    )  # fmt: skip


@router.post("/appointments/my-scorecards")
def own_score(
    request: Request,
    who: PagePrincipal,
    uow: UowDep,
    post_code: FormText = "",
    national_id: FormText = "",
    panel: FormText = "",
    leadership: FormText = "",
    planning: FormText = "",
    health_system: FormText = "",
    integrity: FormText = "",
) -> Response:
    """The signed-in rater records their own marks for one candidate shortlisted on a post
    they sit on, as themself; any other is refused as an unknown candidate."""
    marks = _marks(
        leadership=leadership, planning=planning, health_system=health_system,
        integrity=integrity,
    )  # fmt: skip
    return _scored(
        request, who, uow, None,
        lambda: service.score_own(
            uow.session, who, post_code=post_code.strip(),
            national_id_=to_ascii_digits(national_id.strip()), panel=panel.strip() or None,
            marks=marks,
        ),
    )  # fmt: skip


@router.get("/appointments/my-result")
def own_result_form(request: Request) -> Response:
    """The candidate's form: national ID and access code; no account needed."""
    return render(request, "appointments/own.html", {"result": None, "error": None})


@router.post("/appointments/my-result")
def own_result_page(
    request: Request,
    uow: ReadUowDep,
    national_id: Annotated[str, Form()] = "",
    access_code: Annotated[str, Form()] = "",
) -> Response:
    """Only the candidate's own scores per stage, rank and rule; one refusal for a wrong
    national ID or code alike, and a wait after too many (``attempts.ResultGuard``)."""
    try:
        cand, results = service.own_result_guarded(
            uow.session,
            request.app.state.result_guard,
            national_id_=to_ascii_digits(national_id.strip()),
            access_code=to_ascii_digits(access_code.strip()),
            address=client_address(request),
        )
    except (AuthenticationFailed, TooManyAttempts) as exc:
        context: dict[str, Any] = {
            "result": None, "error": exc.detail, "national_id": national_id,
        }  # fmt: skip
        response = render(request, "appointments/own.html", context, status_code=exc.status)
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    context = {
        "result": results, "candidate": cand, "error": None, "outcome_fa": tables.outcome_fa,
        "quotas_fa": rules.QUOTAS, "tie_fa": rules.TIE_BREAKS,
    }  # fmt: skip
    return render(request, "appointments/own.html", context)


def appointments_nav(who: Principal) -> list[dict[str, str]]:
    if who.role in service.SCORERS:
        return [
            {
                "key": "appointments",
                "href": "/appointments/my-scorecards",
                "label": "کارت‌های امتیاز من",
                "hint": "نمره‌های مصاحبه‌ای که داده‌اید و ثبت نمره‌ی تازه",
            }
        ]
    if who.role not in service.READERS:
        return []
    return [
        {
            "key": "appointments",
            "href": "/appointments",
            "label": "انتصاب مدیران",
            "hint": "فراخوان‌ها، رتبه‌بندی با قاعده‌ی منتشرشده و گزارش عدالت در گزینش",
        }
    ]


templates.env.globals["appointments_nav"] = appointments_nav
