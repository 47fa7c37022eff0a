"""Full-text search of circulars as people type Persian: the query goes through the same
normalisation as the documents (``circulars.text``), so Arabic yeh/kaf, any digit script,
diacritics and every spelling around the zero-width non-joiner find the same circulars.

SQLite answers from the FTS5 table ``circulars_fts`` ranked by bm25 (without filters the
ranking runs inside FTS5 and only the page is joined); PostgreSQL from the GIN index over
the stored ``search_fts`` = ``to_tsvector('simple', search_text)``, ranked by ts_rank.
Every word of the query must occur. The matched passage is cut from the original body and
its words marked there, the same way on both databases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from darman.circulars import audience as addressed
from darman.circulars import text as persian
from darman.circulars.enums import Status
from darman.circulars.models import Circular
from darman.circulars.schemas import SearchHit
from darman.circulars.service import READERS
from darman.common.errors import FieldProblem, InvalidInput
from darman.common.jalali import format_jalali
from darman.security.principal import Principal

MAX_TERMS = 20
# the FTS5 table (SQLite), named for the join; it is not a mapped table
FTS = table("circulars_fts", column("rowid"))


@dataclass(frozen=True)
class Filters:
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    issuer: str | None = None
    status: Status | None = None
    audience: str | None = None
    # codes: only circulars binding this province / kind of centre (``audience.binds``)
    province: str | None = None
    facility_kind: str | None = None


@dataclass(frozen=True)
class Found:
    total: int
    hits: list[SearchHit]


def _terms(query: str) -> list[str]:
    terms = persian.words(query)
    if not terms:
        raise InvalidInput(
            "عبارت جست‌وجو واژه‌ای ندارد", [FieldProblem("q", "دست‌کم یک واژه بنویسید")]
        )
    if len(terms) > MAX_TERMS:
        raise InvalidInput(
            "عبارت جست‌وجو بیش از اندازه بلند است",
            [FieldProblem("q", f"حداکثر {MAX_TERMS} واژه")],
        )
    return terms


def _filtered(q: Select[Any], f: Filters) -> Select[Any]:
    if f.issued_from:
        q = q.where(Circular.issued_on >= f.issued_from)
    if f.issued_to:
        q = q.where(Circular.issued_on <= f.issued_to)
    if f.issuer:
        q = q.where(Circular.issuer == f.issuer)
    if f.status:
        q = q.where(Circular.status == f.status.value)
    if f.audience:
        q = q.where(Circular.audience.contains(f.audience, autoescape=True))
    if f.province:
        q = q.where(addressed.binds(addressed.PROVINCE, f.province))
    if f.facility_kind:
        q = q.where(addressed.binds(addressed.FACILITY_KIND, f.facility_kind))
    return q


def _matching(session: Session, terms: list[str]) -> tuple[Select[Any], Any]:
    """The select of matching circulars with a rank column (higher is better)."""
    if session.get_bind().dialect.name == "postgresql":
        query = func.plainto_tsquery("simple", " ".join(terms))
        vector: Any = literal_column("circulars.search_fts")
        rank: Any = func.ts_rank(vector, query)
        return select(Circular, rank.label("rank")).where(vector.op("@@")(query)), rank
    match = " ".join(f'"{t}"' for t in terms)
    rank = -func.bm25(literal_column("circulars_fts"))
    q = (
        select(Circular, rank.label("rank"))
        .join(FTS, FTS.c.rowid == Circular.id)
        .where(literal_column("circulars_fts").op("MATCH")(match))
    )
    return q, rank


def _fts5_page(
    session: Session, terms: list[str], limit: int, offset: int
) -> tuple[int, list[tuple[Circular, float]]]:
    """Without filters, FTS5 counts and ranks by itself (its ``rank`` column is bm25) and
    only the page's circulars are read; ties are broken the same way as with filters."""
    match = " ".join(f'"{t}"' for t in terms)
    total = session.execute(
        text("SELECT count(*) FROM circulars_fts WHERE circulars_fts MATCH :m"), {"m": match}
    ).scalar_one()
    ranked = session.execute(
        text(
            "SELECT f.rowid, -f.rank FROM circulars_fts f JOIN circulars c ON c.id = f.rowid "
            "WHERE f.circulars_fts MATCH :m "
            "ORDER BY f.rank, c.issued_on DESC, c.number LIMIT :limit OFFSET :offset"
        ),
        {"m": match, "limit": limit, "offset": offset},
    ).all()
    found = {
        c.id: c
        for c in session.scalars(select(Circular).where(Circular.id.in_([r[0] for r in ranked])))
    }
    return total, [(found[cid], score) for cid, score in ranked]


def search(
    session: Session,
    who: Principal,
    query: str,
    *,
    filters: Filters | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Found:
    """The circulars holding every word of ``query``, best first (ties: newest first), with
    the matched passage. InvalidInput for a query with no word or over 20 words."""
    who.require_role(*READERS)
    terms = _terms(query)
    f = filters or Filters()
    if f == Filters() and session.get_bind().dialect.name == "sqlite":
        total, rows = _fts5_page(session, terms, limit, offset)
    else:
        q, rank = _matching(session, terms)
        q = _filtered(q, f)
        total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
        page = q.order_by(rank.desc(), Circular.issued_on.desc(), Circular.number)
        rows = [(c, score) for c, score in session.execute(page.limit(limit).offset(offset))]
    hits = []
    for c, score in rows:
        shown, spans = persian.passage(c.body, query)
        hits.append(
            SearchHit(
                number=c.number,
                subject=c.subject,
                issuer=c.issuer,
                issued_on=c.issued_on,
                issued_on_fa=format_jalali(c.issued_on),
                status=c.status,
                rank=float(score),
                passage=shown,
                marks=[(s.start, s.end) for s in spans],
            )
        )
    return Found(total, hits)


def like_scan(session: Session, query: str, *, limit: int = 20) -> tuple[int, list[str]]:
    """The baseline the benchmark compares with: every word as a LIKE over the normalised
    text, no index; the number of matches and the newest ``limit`` of them (a scan has no
    rank to order by)."""
    q = select(Circular.number, Circular.issued_on)
    for term in _terms(query):
        q = q.where(Circular.search_text.contains(term, autoescape=True))
    matched = q.subquery()
    total = session.scalar(select(func.count()).select_from(matched)) or 0
    page = session.scalars(
        select(matched.c.number).order_by(matched.c.issued_on.desc()).limit(limit)
    )
    return total, list(page)
