"""The registry's answers to what creating a user asks (``security.service.Places``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from darman.registry.models import Facility, Practitioner, PractitionerFacility, Province


class UserPlaces:
    """Looks provinces, facilities and practitioners up in ``session``'s transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def has_province(self, province_id: int) -> bool:
        return self.session.get(Province, province_id) is not None

    def province_of_facility(self, facility_id: int) -> int | None:
        facility = self.session.get(Facility, facility_id)
        return None if facility is None else facility.province_id

    def practitioner_id(self, council_number: str) -> int | None:
        found = self.session.scalar(
            select(Practitioner.id).where(Practitioner.council_number == council_number)
        )
        return None if found is None else int(found)

    def works_at(self, practitioner_id: int, facility_id: int) -> bool:
        link = self.session.scalar(
            select(PractitionerFacility.id).where(
                PractitionerFacility.practitioner_id == practitioner_id,
                PractitionerFacility.facility_id == facility_id,
            )
        )
        return link is not None
