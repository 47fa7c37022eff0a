"""The CapabilityStatement, built from the same tables the facade searches with.

Rule: the statement is derived, never hand-listed, so it cannot promise a
resource, interaction or search parameter the server does not serve.
"""

from __future__ import annotations

from typing import Any

from darman import __version__
from darman.fhir import claims_service, params, prescriptions_service, referrals_service
from darman.fhir import mapping as m
from darman.fhir.service import RESOURCE_TYPES

FHIR_VERSION = "4.0.1"
# When the served capabilities last changed; bump it with them.
STATEMENT_DATE = "2026-12-06"
INTERACTIONS = ("read", "search-type")
SEARCH_PARAM_TYPES = frozenset(
    {"number", "date", "string", "token", "reference", "composite", "quantity", "uri", "special"}
)
TYPE_RESTFUL_INTERACTIONS = frozenset(
    {"read", "vread", "update", "patch", "delete", "history-instance", "history-type",
     "create", "search-type"}
)  # fmt: skip
SECURITY_SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service"


def _resource(
    resource_type: str,
    interactions: tuple[str, ...] = INTERACTIONS,
    search: list[params.Param] | None = None,
) -> dict[str, Any]:
    return {
        "type": resource_type,
        "interaction": [
            {"code": m.code(i, TYPE_RESTFUL_INTERACTIONS, "TypeRestfulInteraction")}
            for i in interactions
        ],
        "searchParam": [
            {
                "name": p.name,
                "type": m.code(p.type, SEARCH_PARAM_TYPES, "SearchParamType"),
                "documentation": p.doc,
            }
            for p in (params.documented(resource_type) if search is None else search)
        ],
    }


def statement(base_url: str) -> dict[str, Any]:
    """What this server does, JSON only: read and search-type of the registry's resources;
    create, read and search-type of Claim; read of ClaimResponse and ExplanationOfBenefit;
    create of Observation (blood pressure and HbA1c)."""
    return m.compact(
        {
            "resourceType": "CapabilityStatement",
            "status": m.code(
                "active", {"draft", "active", "retired", "unknown"}, "PublicationStatus"
            ),
            "date": STATEMENT_DATE,
            "publisher": "Darman",
            "kind": m.code(
                "instance", {"instance", "capability", "requirements"}, "CapabilityKind"
            ),
            "software": {"name": "Darman", "version": __version__},
            "implementation": {
                "description": "Darman FHIR R4 facade over the insurer's registry and claims",
                "url": base_url,
            },
            "fhirVersion": FHIR_VERSION,
            "format": ["application/fhir+json", "json"],
            "rest": [
                {
                    "mode": m.code("server", {"client", "server"}, "RestfulCapabilityMode"),
                    "documentation": (
                        f"Every answer is limited to the caller's scope. Paging: _count "
                        f"(default {params.DEFAULT_COUNT}, at most {params.MAX_COUNT}) and _page."
                    ),
                    "security": {
                        "service": [
                            {"coding": [{"system": SECURITY_SERVICE_SYSTEM, "code": "OAuth"}]}
                        ],
                        "description": "Bearer token from /api/v1/auth/token, or an X-API-Key.",
                    },
                    "resource": [_resource(t) for t in RESOURCE_TYPES]
                    + [
                        _resource(t, i, claims_service.documented(t))
                        for t, i in claims_service.INTERACTIONS.items()
                    ]
                    + [
                        _resource(t, i, prescriptions_service.documented(t))
                        for t, i in prescriptions_service.INTERACTIONS.items()
                    ]
                    + [
                        _resource(t, i, referrals_service.documented(t))
                        for t, i in referrals_service.INTERACTIONS.items()
                    ]
                    + [_resource("Observation", ("create",), [])],
                }
            ],
        }
    )
