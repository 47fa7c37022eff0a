from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/fhir/r4", tags=["fhir"])
