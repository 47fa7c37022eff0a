"""Statuses of a circular, kinds of effect one circular has on another, and the stages of
a consolidation project."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    IN_FORCE = "in_force"
    AMENDED = "amended"
    REPEALED = "repealed"


class EffectKind(StrEnum):
    """As legislation.gov.uk and Akoma Ntoso model them: what the source does to the target."""

    REPEALS = "repeals"
    AMENDS = "amends"
    REPLACES = "replaces"
    CONSOLIDATES = "consolidates"
    CLARIFIES = "clarifies"


class ProjectStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    APPLIED = "applied"


STATUS_FA = {Status.IN_FORCE: "نافذ", Status.AMENDED: "اصلاح‌شده", Status.REPEALED: "منسوخ"}
EFFECT_FA = {
    EffectKind.REPEALS: "نسخ می‌کند",
    EffectKind.AMENDS: "اصلاح می‌کند",
    EffectKind.REPLACES: "جایگزین می‌شود",
    EffectKind.CONSOLIDATES: "تجمیع می‌کند",
    EffectKind.CLARIFIES: "تفسیر می‌کند",
}
PROJECT_FA = {
    ProjectStatus.DRAFT: "پیش‌نویس",
    ProjectStatus.APPROVED: "تصویب‌شده",
    ProjectStatus.APPLIED: "اجراشده",
}
