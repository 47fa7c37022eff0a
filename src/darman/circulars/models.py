"""Tables of the circulars repository: circulars with their normalised search text, whom
each is addressed to, the files attached to it, the effects one has on another, and
consolidation projects with their approvals, and the clusters of overlapping circulars
last computed (so that pages read them instead of clustering on every request).

The full-text index is not mapped: on SQLite an FTS5 table kept in step with
``circulars`` by triggers, on PostgreSQL a generated column ``search_fts`` (the tsvector of
``search_text`` under the 'simple' configuration) with a GIN index (migration 0018)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from darman.db.base import Base, UtcDateTime, utcnow


class Circular(Base):
    __tablename__ = "circulars"
    __table_args__ = (Index("ix_circulars_issued_on", "issued_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(200), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    # a free note on the audience; whom it binds is CircularAudience
    audience: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    # status today, kept in step with the effects; "in force on D" reads the effects
    status: Mapped[str] = mapped_column(String(16), index=True)
    # subject and body through circulars.text.normalize: what the index and clustering read
    search_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # read with the circular (one query for a whole page of them)
    addressed_to: Mapped[list[CircularAudience]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )


class CircularAudience(Base):
    """One province or facility kind a circular is addressed to. A circular with no row of
    a kind binds every one of that kind: no province rows means the whole country."""

    __tablename__ = "circular_audience"
    __table_args__ = (
        UniqueConstraint("circular_id", "kind", "code"),
        Index("ix_circular_audience_kind_code", "kind", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circular_id: Mapped[int] = mapped_column(ForeignKey("circulars.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # province | facility_kind
    code: Mapped[str] = mapped_column(String(32))  # a province's code, a FacilityKind


class CircularAttachment(Base):
    """A file attached to a circular (a form, a table, a scanned signature page), kept in
    the database so that a backup of it is a backup of the repository."""

    __tablename__ = "circular_attachments"
    __table_args__ = (
        # the naming convention would give both the same name (its first column's)
        UniqueConstraint("circular_id", "filename", name="uq_circular_attachments_filename"),
        UniqueConstraint("circular_id", "sha256", name="uq_circular_attachments_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circular_id: Mapped[int] = mapped_column(
        ForeignKey("circulars.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class CircularEffect(Base):
    """``source`` does ``kind`` to ``target`` from ``effective_on`` (provisions if known)."""

    __tablename__ = "circular_effects"
    __table_args__ = (UniqueConstraint("source_id", "target_id", "kind", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("circulars.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(
        ForeignKey("circulars.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    provisions: Mapped[str] = mapped_column(String(300), default="")
    effective_on: Mapped[dt.date] = mapped_column(Date)


class ConsolidationProject(Base):
    """A consolidated circular drafted from a cluster: it repeals its members on its
    effective day once two different people have approved it."""

    __tablename__ = "circular_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    draft: Mapped[str] = mapped_column(Text)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    circular_id: Mapped[int | None] = mapped_column(ForeignKey("circulars.id"), nullable=True)


class ProjectMember(Base):
    """A circular the project repeals."""

    __tablename__ = "circular_project_members"
    __table_args__ = (UniqueConstraint("project_id", "circular_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("circular_projects.id"), index=True)
    circular_id: Mapped[int] = mapped_column(ForeignKey("circulars.id"))


class ProjectApproval(Base):
    __tablename__ = "circular_project_approvals"
    __table_args__ = (UniqueConstraint("project_id", "approver"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("circular_projects.id"), index=True)
    approver: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    seq: Mapped[int] = mapped_column(Integer)


class ClusterRun(Base):
    """One computation of the clusters of overlapping circulars; only the latest is kept."""

    __tablename__ = "circular_cluster_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    computed_by: Mapped[str] = mapped_column(String(64))
    circulars: Mapped[int] = mapped_column(Integer)  # the circulars in force clustered
    clusters: Mapped[int] = mapped_column(Integer)
    millis: Mapped[int] = mapped_column(Integer)  # how long the clustering took


class StoredCluster(Base):
    """A cluster of one run, ``rank`` 1 the largest; its closest verified pair's Jaccard
    and its most contained pair's containment."""

    __tablename__ = "circular_clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("circular_cluster_runs.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    best_jaccard: Mapped[float] = mapped_column(Float)
    best_containment: Mapped[float] = mapped_column(Float)


class StoredClusterMember(Base):
    """A circular in a stored cluster; ``position`` 0 is the cluster's centre."""

    __tablename__ = "circular_cluster_members"
    __table_args__ = (UniqueConstraint("cluster_id", "circular_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("circular_clusters.id"), index=True)
    circular_id: Mapped[int] = mapped_column(ForeignKey("circulars.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
