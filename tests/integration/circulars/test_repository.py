"""Recording circulars with their effects, what was in force on a day, a timeline, and
the import of a folder with its metadata sheet."""

from __future__ import annotations

import datetime as dt

import docx
import pytest
from sqlalchemy import select

from darman.audit.models import AuditEntry
from darman.circulars import importing, service
from darman.circulars.enums import EffectKind, Status
from darman.circulars.schemas import CircularCreate, EffectIn
from darman.common.errors import Conflict, InvalidInput, PermissionDenied
from darman.common.jalali import parse_jalali
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal

J = parse_jalali


def _c(number, date, body="متن بخشنامه", effects=(), **extra) -> CircularCreate:
    return CircularCreate(
        number=number, issued_on=date, issuer="معاونت درمان", subject="تعرفه", body=body,
        effects=list(effects), **extra,
    )  # fmt: skip


def _chain(session):
    """A issued 1402/01/01; B amends its article 2 from 1402/06/01; C repeals it from
    1403/01/01 (B's own effective day is later than its issue)."""
    service.create(session, SYSTEM, _c("A", "1402/01/01"))
    service.create(
        session, SYSTEM,
        _c("B", "1402/05/20", effective_from="1402/06/01",
           effects=[EffectIn(kind=EffectKind.AMENDS, target="A", provisions="ماده ۲")]),
    )  # fmt: skip
    service.create(
        session, SYSTEM,
        _c("C", "1402/12/01", effects=[
            EffectIn(kind=EffectKind.REPEALS, target="A", effective_on="1403/01/01")]),
    )  # fmt: skip


def _in_force(session, day) -> dict[str, str]:
    return {f.circular.number: f.status.value for f in service.in_force(session, SYSTEM, J(day))}


def test_in_force_on_a_day_follows_amendments_and_repeals_from_their_own_days(session):
    _chain(session)
    assert _in_force(session, "1401/12/29") == {}
    assert _in_force(session, "1402/05/31") == {"A": "in_force"}
    assert _in_force(session, "1402/06/01") == {"A": "amended", "B": "in_force"}
    assert _in_force(session, "1402/12/01") == {"A": "amended", "B": "in_force", "C": "in_force"}
    assert _in_force(session, "1403/01/01") == {"B": "in_force", "C": "in_force"}
    [a] = [
        f for f in service.in_force(session, SYSTEM, J("1402/07/01")) if f.circular.number == "A"
    ]
    assert [(e.source, e.provisions) for e in a.amendments] == [("B", "ماده ۲")]


def test_the_stored_status_is_todays(session):
    _chain(session)
    # the session's today is after 1403/01/01: A is repealed
    assert service.get(session, SYSTEM, "A").status == Status.REPEALED.value
    assert service.get(session, SYSTEM, "B").status == Status.IN_FORCE.value


def test_a_timeline_tells_a_circulars_history_in_persian(session):
    _chain(session)
    events = service.timeline(session, SYSTEM, "A")
    assert [(e.on_fa, e.label_fa, e.provisions) for e in events] == [
        ("۱۴۰۲/۰۱/۰۱", "صدور", ""),
        ("۱۴۰۲/۰۶/۰۱", "اصلاح شد با بخشنامه‌ی B", "ماده ۲"),
        ("۱۴۰۳/۰۱/۰۱", "نسخ شد با بخشنامه‌ی C", ""),
    ]
    assert [e.label_fa for e in service.timeline(session, SYSTEM, "B")] == [
        "صدور", "لازم‌الاجرا شدن", "بخشنامه‌ی A را اصلاح می‌کند",
    ]  # fmt: skip


def test_recording_is_audited_and_refused_to_staff_outside_headquarters(session):
    _chain(session)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "circular.create"))
    assert sorted(e.entity_id for e in entries) == ["A", "B", "C"]
    manager = Principal(user_id=5, username="m", role=Role.PROVINCE_MANAGER,
                        scope_level=ScopeLevel.PROVINCE, province_id=1)  # fmt: skip
    with pytest.raises(PermissionDenied):
        service.create(session, manager, _c("D", "1403/01/01"))
    assert service.get(session, manager, "A").number == "A"  # but reads


def test_a_duplicate_number_or_an_unknown_target_is_refused_with_nothing_stored(session):
    service.create(session, SYSTEM, _c("A", "1402/01/01"))
    with pytest.raises(Conflict):
        service.create(session, SYSTEM, _c("A", "1402/02/01"))
    with pytest.raises(InvalidInput) as caught:
        service.create_many(
            session, SYSTEM,
            [_c("X", "1402/02/01"),
             _c("Y", "1402/02/01", effects=[EffectIn(kind=EffectKind.REPEALS, target="Z")])],
            rows=[2, 3],
        )  # fmt: skip
    [problem] = caught.value.problems
    assert (problem.row, problem.field) == (3, "effects")
    assert "Z" in problem.reason
    assert [f.circular.number for f in service.in_force(session, SYSTEM, J("1403/01/01"))] == ["A"]


def _folder(tmp_path, sheet: str):
    document = docx.Document()
    document.add_paragraph("تعرفه ویزیت پزشکان عمومی اصلاح می‌شود.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "ویزیت"
    table.rows[0].cells[1].text = "۱۵۰۰۰۰۰ ریال"
    document.save(str(tmp_path / "b.docx"))
    (tmp_path / "a.txt").write_text("\ufeffتعرفه ویزیت سال ۱۴۰۲", encoding="utf-8")
    (tmp_path / "c.md").write_text("# ارجاع\nارجاع از پزشک خانواده", encoding="utf-8")
    (tmp_path / "metadata.csv").write_text(sheet, encoding="utf-8")
    return tmp_path


GOOD = """file,number,date,issuer,subject,audience,effects
a.txt,۱۲/۱,۱۴۰۲/۰۱/۱۰,معاونت درمان,تعرفه ویزیت,همه استان‌ها,
b.docx,12/2,1402/07/01,معاونت درمان,اصلاح تعرفه,همه استان‌ها,اصلاح:12/1:بند ۱
c.md,12/3,1403/01/05,معاونت درمان,ارجاع,تهران,repeals:12/1
"""


def test_a_folder_of_docx_txt_and_md_files_is_imported_with_its_effects(session, tmp_path):
    made = importing.import_folder(session, SYSTEM, _folder(tmp_path, GOOD))
    assert [c.number for c in made] == ["12/1", "12/2", "12/3"]
    b = service.get(session, SYSTEM, "12/2")
    assert b.body == "تعرفه ویزیت پزشکان عمومی اصلاح می‌شود.\nویزیت | ۱۵۰۰۰۰۰ ریال"
    assert b.issued_on == dt.date(2023, 9, 23)
    assert service.get(session, SYSTEM, "12/1").status == Status.REPEALED.value
    assert _in_force(session, "1402/08/01") == {"12/1": "amended", "12/2": "in_force"}


BAD = """file,number,date,issuer,subject,audience,effects
a.txt,12/1,1402/13/10,معاونت درمان,تعرفه ویزیت,,
missing.docx,12/2,1402/07/01,معاونت درمان,اصلاح تعرفه,,
c.md,12/3,1403/01/05,,ارجاع,,لغو:12/1
"""


def test_every_bad_row_is_reported_with_its_row_and_nothing_is_stored(session, tmp_path):
    with pytest.raises(InvalidInput) as caught:
        importing.import_folder(session, SYSTEM, _folder(tmp_path, BAD))
    found = [(p.row, p.field) for p in caught.value.problems]
    assert found == [(2, "issued_on"), (3, "file"), (4, "issuer")]
    assert "missing.docx" in caught.value.problems[1].reason
    assert service.in_force(session, SYSTEM, J("1404/01/01")) == []


def test_an_unknown_effect_kind_is_named_with_its_row(session, tmp_path):
    sheet = GOOD.replace("repeals:12/1", "لغو:12/1")
    with pytest.raises(InvalidInput) as caught:
        importing.import_folder(session, SYSTEM, _folder(tmp_path, sheet))
    [problem] = caught.value.problems
    assert (problem.row, problem.field) == (4, "effects")
    assert "لغو" in problem.reason
