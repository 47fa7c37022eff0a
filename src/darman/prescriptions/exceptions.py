"""Errors of the e-prescription domain; the one HTTP handler answers them as problem+json."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from darman.common.errors import DarmanError, FieldProblem, InvalidInput


@dataclass(frozen=True)
class CheckProblem(FieldProblem):
    """A check's refusal or warning: the field (``lines.N.code``), the Persian reason,
    and the reason's code and English label."""

    code: str = ""
    label_en: str = ""
    blocking: bool = True

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        out.update(code=self.code, label_en=self.label_en, blocking=self.blocking)
        return out


class PrescriptionRefused(InvalidInput):
    """A blocking check failed: nothing was issued. The refused prescription and its
    findings are in the session for the savings report; the caller commits them."""

    title = "Prescription refused"
    slug = "prescription-refused"


class PrescriptionExpired(DarmanError):
    status = 410
    title = "Prescription expired"
    slug = "prescription-expired"
