"""Files attached to a circular: a form to fill in, a table of tariffs, the signed scan.

A file is kept whole in the database with its SHA-256, size and media type. Attaching the
same content to the same circular again changes nothing (a retried upload); another file
under a name already used there is refused, so a name always means one content. Only the
kinds of file circulars are handed over in are taken, up to MAX_BYTES each. Every
attachment is audited in the caller's transaction; nothing here commits."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.audit import service as audit
from darman.circulars import service
from darman.circulars.models import CircularAttachment
from darman.circulars.schemas import AttachmentRead
from darman.common.errors import Conflict, FieldProblem, InvalidInput, NotFound
from darman.security.principal import Principal

MAX_BYTES = 20 * 1024 * 1024
SUFFIXES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
}


class AttachmentNotFound(NotFound):
    pass


def clean_name(filename: str) -> str:
    """The file's own name, without any folder a browser or a sheet put before it; a name
    with nothing left, or too long, or of a kind not taken, is InvalidInput."""
    name = PurePosixPath(PureWindowsPath(filename.strip()).name).name.strip()
    if not name or name in {".", ".."}:
        raise InvalidInput("نام پرونده خالی است", [FieldProblem("file", "نام ندارد")])
    if len(name) > 200:
        raise InvalidInput(
            "نام پرونده بیش از ۲۰۰ نویسه است", [FieldProblem("file", f"«{name[:40]}…» بلند است")]
        )
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SUFFIXES:
        kinds = "، ".join(sorted(s.lstrip(".") for s in SUFFIXES))
        raise InvalidInput(
            f"پرونده‌ی «{name}» از نوع‌های پذیرفته نیست ({kinds})",
            [FieldProblem("file", f"پسوند «{suffix or '—'}» پذیرفته نیست")],
        )
    return name


def read(a: CircularAttachment) -> AttachmentRead:
    return AttachmentRead(
        id=a.id,
        filename=a.filename,
        media_type=a.media_type,
        size_bytes=a.size_bytes,
        sha256=a.sha256,
        added_by=a.added_by,
        added_at=a.added_at,
    )


def attach(
    session: Session, who: Principal, number: str, filename: str, content: bytes
) -> tuple[CircularAttachment, bool]:
    """Attach a file to circular ``number``; returns it and whether it is new. The same
    content again returns the one stored (idempotent); another content under a stored name
    is a Conflict; an empty file, one over MAX_BYTES or of a kind not taken is
    InvalidInput; CircularNotFound for the number."""
    who.require_role(*service.WRITERS)
    name = clean_name(filename)
    if not content:
        raise InvalidInput(f"پرونده‌ی «{name}» خالی است", [FieldProblem("file", "خالی")])
    if len(content) > MAX_BYTES:
        raise InvalidInput(
            f"پرونده‌ی «{name}» از ۲۰ مگابایت بزرگ‌تر است",
            [FieldProblem("file", f"{len(content):,} بایت")],
        )
    c = service.get(session, who, number)
    digest = hashlib.sha256(content).hexdigest()
    stored = session.scalars(
        select(CircularAttachment).where(CircularAttachment.circular_id == c.id)
    ).all()
    for a in stored:
        if a.sha256 == digest:
            return a, False
        if a.filename == name:
            raise Conflict(
                f"پرونده‌ی دیگری با نام «{name}» پیوست این بخشنامه است",
                [FieldProblem("file", "نام تکراری با محتوای دیگر")],
            )
    suffix = PurePosixPath(name).suffix.lower()
    media_type = SUFFIXES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    a = CircularAttachment(
        circular_id=c.id,
        filename=name,
        media_type=media_type,
        size_bytes=len(content),
        sha256=digest,
        content=content,
        added_by=who.username,
    )
    session.add(a)
    session.flush()
    audit.record(
        session, actor=who.username, action="circular.attach", entity="circular",
        entity_id=c.number,
        after={"file": name, "bytes": len(content), "sha256": digest},
    )  # fmt: skip
    return a, True


def listed(session: Session, who: Principal, number: str) -> list[AttachmentRead]:
    """The circular's files, oldest first, without their content."""
    c = service.get(session, who, number)
    rows = session.scalars(
        select(CircularAttachment)
        .where(CircularAttachment.circular_id == c.id)
        .order_by(CircularAttachment.id)
    )
    return [read(a) for a in rows]


def fetch(session: Session, who: Principal, attachment_id: int) -> CircularAttachment:
    """One attachment with its content; AttachmentNotFound if there is none."""
    who.require_role(*service.READERS)
    a = session.get(CircularAttachment, attachment_id)
    if a is None:
        raise AttachmentNotFound(
            f"پیوستی با شناسه‌ی {attachment_id} نیست", [FieldProblem("id", "ناموجود")]
        )
    return a
