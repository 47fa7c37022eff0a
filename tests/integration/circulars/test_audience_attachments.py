"""Whom a circular binds (provinces and kinds of centre, a filter of search and of "in
force on D") and the files attached to it, on both databases."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from darman.audit.models import AuditEntry
from darman.circulars import attachments, importing, search, service
from darman.circulars.models import CircularAttachment
from darman.circulars.schemas import CircularCreate
from darman.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from darman.common.jalali import parse_jalali
from darman.security.enums import Role, ScopeLevel
from darman.security.principal import SYSTEM, Principal

BODY = "تعرفه ویزیت پزشکان عمومی در مراکز طرف قرارداد تعیین می‌شود."


def _c(number: str, **extra) -> CircularCreate:
    return CircularCreate(
        number=number, issued_on="1403/01/10", issuer="دفتر تعرفه", subject="تعرفه ویزیت",
        body=BODY, **extra,
    )  # fmt: skip


def _three(session) -> None:
    """N binds the country; T Tehran's hospitals; F Fars (code 17) and Bushehr, every kind."""
    service.create(session, SYSTEM, _c("N"))
    service.create(
        session, SYSTEM, _c("T", provinces=["استان تهران"], facility_kinds=["بیمارستان"])
    )
    service.create(session, SYSTEM, _c("F", provinces=["۱۷", "بوشهر", "فارس"]))


def test_the_audience_is_read_back_in_codes_and_persian(session):
    _three(session)
    t = service.read(service.get(session, SYSTEM, "T"))
    assert (t.provinces, t.provinces_fa) == (["08"], ["تهران"])
    assert (t.facility_kinds, t.facility_kinds_fa) == (["hospital"], ["بیمارستان"])
    assert t.audience_fa == "استان‌ها: تهران · مراکز: بیمارستان"
    f = service.read(service.get(session, SYSTEM, "F"))
    assert f.provinces == ["07", "17"]  # Fars named twice, once by code: one row
    n = service.read(service.get(session, SYSTEM, "N"))
    assert n.audience_fa == "استان‌ها: همه‌ی استان‌ها · مراکز: همه‌ی مراکز"


def test_an_unknown_province_or_kind_is_named_and_nothing_is_stored(session):
    with pytest.raises(InvalidInput) as caught:
        service.create_many(
            session, SYSTEM,
            [_c("X1"), _c("X2", provinces=["تهرن"], facility_kinds=["کلینیک"])], rows=[2, 3],
        )  # fmt: skip
    problems = {(p.field, p.row) for p in caught.value.problems}
    assert problems == {("provinces", 3), ("facility_kinds", 3)}
    assert "«تهرن» استانی شناخته نیست" in [p.reason for p in caught.value.problems]
    assert service.in_force(session, SYSTEM, parse_jalali("1404/01/01")) == []


def test_in_force_for_a_province_or_kind_keeps_those_binding_it(session):
    _three(session)
    day = parse_jalali("1404/01/01")

    def numbers(**filters) -> set[str]:
        return {f.circular.number for f in service.in_force(session, SYSTEM, day, **filters)}

    assert numbers() == {"N", "T", "F"}
    assert numbers(province="08") == {"N", "T"}
    assert numbers(province="17") == {"N", "F"}
    assert numbers(province="31") == {"N"}
    assert numbers(facility_kind="pharmacy") == {"N", "F"}
    assert numbers(province="08", facility_kind="hospital") == {"N", "T"}
    assert numbers(province="08", facility_kind="pharmacy") == {"N"}


def test_search_filters_by_province_and_kind(session):
    _three(session)

    def found(**filters) -> set[str]:
        hits = search.search(session, SYSTEM, "تعرفه ویزیت", filters=search.Filters(**filters))
        return {h.number for h in hits.hits}

    assert found() == {"N", "T", "F"}
    assert found(province="07") == {"N", "F"}
    assert found(facility_kind="hospital") == {"N", "T", "F"}
    assert found(province="07", facility_kind="clinic") == {"N", "F"}
    assert found(province="08", facility_kind="clinic") == {"N"}


def _audit_count(session, action: str) -> int:
    return session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


def test_attaching_the_same_file_again_changes_nothing(session):
    service.create(session, SYSTEM, _c("A"))
    pdf = b"%PDF-1.4 form of the request"
    first, new = attachments.attach(session, SYSTEM, "A", "C:\\forms\\فرم درخواست.pdf", pdf)
    assert new and first.filename == "فرم درخواست.pdf"
    assert first.media_type == "application/pdf" and first.size_bytes == len(pdf)
    assert first.sha256 == hashlib.sha256(pdf).hexdigest()
    again, new_again = attachments.attach(session, SYSTEM, "A", "other-name.pdf", pdf)
    assert (again.id, new_again) == (first.id, False)
    assert session.scalar(select(func.count()).select_from(CircularAttachment)) == 1
    assert _audit_count(session, "circular.attach") == 1
    listed = attachments.listed(session, SYSTEM, "A")
    assert [(a.filename, a.size_bytes) for a in listed] == [("فرم درخواست.pdf", len(pdf))]
    assert attachments.fetch(session, SYSTEM, first.id).content == pdf


@pytest.mark.parametrize(
    ("filename", "content", "error", "says"),
    [
        ("x.exe", b"MZ", InvalidInput, "پسوند «.exe» پذیرفته نیست"),
        ("x.pdf", b"", InvalidInput, "خالی"),
        ("../", b"abc", InvalidInput, "نام ندارد"),
        ("جدول.xlsx", b"another table", Conflict, "نام تکراری با محتوای دیگر"),
    ],
)
def test_a_file_that_cannot_be_attached_is_refused_by_name(session, filename, content, error, says):
    service.create(session, SYSTEM, _c("A"))
    attachments.attach(session, SYSTEM, "A", "جدول.xlsx", b"the table")
    with pytest.raises(error) as caught:
        attachments.attach(session, SYSTEM, "A", filename, content)
    assert caught.value.problems[0].field == "file"
    assert says in caught.value.problems[0].reason


def test_attaching_needs_a_writer_and_a_stored_circular(session):
    service.create(session, SYSTEM, _c("A"))
    reader = Principal(
        user_id=5,
        username="qm",
        role=Role.PROVINCE_MANAGER,
        scope_level=ScopeLevel.PROVINCE,
        province_id=1,
    )
    with pytest.raises(PermissionDenied):
        attachments.attach(session, reader, "A", "x.pdf", b"abc")
    with pytest.raises(NotFound):
        attachments.attach(session, SYSTEM, "nope", "x.pdf", b"abc")
    with pytest.raises(NotFound):
        attachments.fetch(session, SYSTEM, 999_999)


SHEET = """file,number,date,issuer,subject,provinces,facility_kinds,attachments
a.txt,60/1,1403/01/10,دفتر تعرفه,تعرفه ویزیت,"تهران، فارس",بیمارستان;داروخانه,form.pdf;table.xlsx
b.txt,60/2,1403/01/11,دفتر تعرفه,تعرفه دارو,,,
"""


def _folder(tmp_path, sheet: str = SHEET):
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "b.txt").write_text("تعرفه دارو", encoding="utf-8")
    (tmp_path / "form.pdf").write_bytes(b"%PDF form")
    (tmp_path / "table.xlsx").write_bytes(b"PK table")
    (tmp_path / "metadata.csv").write_text(sheet, encoding="utf-8")
    return tmp_path


def test_a_folder_import_carries_the_audience_and_the_attachments(session, tmp_path):
    made = importing.import_folder(session, SYSTEM, _folder(tmp_path))
    assert [c.number for c in made] == ["60/1", "60/2"]
    first = service.read(service.get(session, SYSTEM, "60/1"))
    assert first.provinces == ["08", "17"]
    assert first.facility_kinds == ["hospital", "pharmacy"]
    files = attachments.listed(session, SYSTEM, "60/1")
    assert sorted(a.filename for a in files) == ["form.pdf", "table.xlsx"]
    assert attachments.listed(session, SYSTEM, "60/2") == []


def test_a_folder_import_with_a_missing_attachment_stores_nothing(session, tmp_path):
    sheet = SHEET.replace("form.pdf;table.xlsx", "form.pdf;gone.pdf").replace(",,,\n", ",قم2,,\n")
    with pytest.raises(InvalidInput) as caught:
        importing.import_folder(session, SYSTEM, _folder(tmp_path, sheet))
    problems = {(p.field, p.row) for p in caught.value.problems}
    assert problems == {("attachments", 2), ("provinces", 3)}
    assert service.in_force(session, SYSTEM, parse_jalali("1404/01/01")) == []
