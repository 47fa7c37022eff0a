"""A posted FHIR R4 Claim read into a Darman ``ClaimIn``, every problem named by its element.

What is read (everything else an R4 Claim may carry is accepted and ignored,
except modifierExtension, which may not be ignored and is refused):
- ``status`` active (or draft, kept as a draft), ``use`` claim, ``type``
  institutional or professional (claim-type);
- ``identifier`` of the claim-document system: the document number;
- ``subType`` of the Darman visit-type system: outpatient, inpatient, emergency;
- ``patient``, ``provider`` and the single ``careTeam`` member: by identifier
  (national id, facility code, medical council number), a contained resource
  carrying one, or a literal reference (``Patient/12``) the caller may read;
- ``billablePeriod`` start and end: admission and discharge (dates);
- ``diagnosis[].diagnosisCodeableConcept`` with an ICD-10 coding;
- ``referral`` and ``prescription`` by identifier of the Darman systems;
- ``item[]``: a Darman service or drug coding, ``servicedDate``, whole
  ``quantity.value`` and ``unitPrice.value`` in IRR.

Problems are FieldProblems whose field is a FHIRPath (``Claim.item[1].quantity.value``):
JSON of the wrong shape is refused whole (400), values that are missing or
wrong are all collected (422). ``Intake.element`` names the element a later
problem reported by the claims service (``facility_code``...) came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from darman.claims.schemas import ClaimIn
from darman.common.errors import DarmanError, FieldProblem, InvalidInput
from darman.fhir import claims_mapping as cm
from darman.fhir import mapping as m

# (resource type, logical id) -> the business identifier, or None when unknown/out of scope
Resolver = Callable[[str, str], str | None]
CLAIM_TYPES = frozenset({"institutional", "professional"})
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T[0-9:.]+(Z|[+-]\d{2}:\d{2}))?$")


class ClaimStructureInvalid(DarmanError):
    """The body is not a Claim in FHIR JSON (FHIR: 400)."""

    status = 400
    title = "Invalid resource"
    slug = "invalid-resource"


@dataclass(frozen=True)
class ElementProblem(FieldProblem):
    """A problem with an element of the posted resource, and its R4 IssueType."""

    issue: str | None = None  # None: the IssueType of the whole answer


@dataclass
class Intake:
    claim: ClaimIn
    paths: dict[str, str]  # ClaimIn field ("lines.0.quantity") -> FHIRPath

    def element(self, problem: FieldProblem) -> FieldProblem:
        """The problem with its field renamed to the element it came from."""
        return ElementProblem(_path_of(self.paths, problem.field or ""), problem.reason)


def _path_of(paths: dict[str, str], key: str) -> str:
    parts = key.split(".") if key else []
    while parts and ".".join(parts) not in paths:
        parts.pop()
    return paths.get(".".join(parts), "Claim")


@dataclass
class _Reader:
    resolve: Resolver
    contained: list[Any]
    problems: list[FieldProblem] = field(default_factory=list)
    structural: bool = False
    paths: dict[str, str] = field(default_factory=dict)

    def bad(self, path: str, reason: str, issue: str = "invalid") -> None:
        self.problems.append(ElementProblem(path, reason, issue=issue))

    def missing(self, path: str) -> None:
        self.bad(path, "required element is missing", "required")

    def shape(self, node: Any, path: str, kind: type, required: bool = False) -> Any:
        """``node`` when it has the JSON type ``kind``; None (and a problem) otherwise."""
        if node is None:
            if required:
                self.missing(path)
            return None
        if not isinstance(node, kind):
            self.structural = True
            names: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}
            name = names.get(kind, kind.__name__)
            self.bad(path, f"must be {name}", "structure")
            return None
        return node

    def items(self, node: Any, path: str) -> list[tuple[str, Any]]:
        values = self.shape(node, path, list) or []
        return [(f"{path}[{n}]", v) for n, v in enumerate(values)]

    def coding(self, concept: Any, path: str, systems: tuple[str, ...]) -> tuple[str, str] | None:
        """(system, code) of the first coding of one of ``systems``."""
        concept = self.shape(concept, path, dict, required=True)
        if concept is None:
            return None
        for at, coding in self.items(concept.get("coding"), f"{path}.coding"):
            coding = self.shape(coding, at, dict)
            if coding and coding.get("system") in systems:
                value = self.shape(coding.get("code"), f"{at}.code", str, required=True)
                return (coding["system"], value) if value is not None else None
        self.bad(path, f"needs a coding of {' or '.join(systems)}", "code-invalid")
        return None

    def identifier(self, node: Any, path: str, system: str) -> tuple[str, str] | None:
        """(value, FHIRPath of the value) of an Identifier of ``system``."""
        ident = self.shape(node, path, dict, required=True)
        if ident is None:
            return None
        if ident.get("system") != system:
            self.bad(f"{path}.system", f"expected {system}", "code-invalid")
            return None
        value = self.shape(ident.get("value"), f"{path}.value", str, required=True)
        return (value, f"{path}.value") if value is not None else None

    def reference(self, node: Any, path: str, target: str, system: str) -> tuple[str, str] | None:
        """A business identifier out of a Reference: identifier, contained, or literal."""
        ref = self.shape(node, path, dict, required=True)
        if ref is None:
            return None
        if "identifier" in ref:
            return self.identifier(ref["identifier"], f"{path}.identifier", system)
        literal = self.shape(ref.get("reference"), f"{path}.reference", str, required=True)
        if literal is None:
            return None
        if literal.startswith("#"):
            for n, res in enumerate(self.contained):
                if isinstance(res, dict) and res.get("id") == literal[1:]:
                    return self._contained(res, f"Claim.contained[{n}]", target, system)
            self.bad(f"{path}.reference", f"no contained resource '{literal}'")
            return None
        match = re.fullmatch(rf"{target}/([A-Za-z0-9\-.]{{1,64}})", literal)
        if match is None:
            self.bad(f"{path}.reference", f"expected a relative reference {target}/<id>")
            return None
        value = self.resolve(target, match.group(1))
        if value is None:
            self.bad(f"{path}.reference", f"no {target} {match.group(1)} in your scope")
            return None
        return value, f"{path}.reference"

    def _contained(
        self, res: dict[str, Any], path: str, target: str, system: str
    ) -> tuple[str, str] | None:
        if res.get("resourceType") != target:
            self.bad(f"{path}.resourceType", f"expected a contained {target}")
            return None
        for at, ident in self.items(res.get("identifier"), f"{path}.identifier"):
            if isinstance(ident, dict) and ident.get("system") == system:
                return self.identifier(ident, at, system)
        self.bad(f"{path}.identifier", f"needs an identifier of {system}", "required")
        return None

    def date(self, node: Any, path: str, required: bool = False) -> str | None:
        text = self.shape(node, path, str, required=required)
        if text is None:
            return None
        match = _DATE.fullmatch(text)
        if match is None:
            self.bad(path, "must be a full date (YYYY-MM-DD)", "value")
            return None
        return match.group(1)

    def whole(self, node: Any, path: str) -> int | None:
        if node is None:
            self.missing(path)
            return None
        if isinstance(node, bool) or not isinstance(node, int | float):
            self.structural = True
            self.bad(path, "must be a JSON number", "structure")
            return None
        if isinstance(node, float) and not node.is_integer():
            self.bad(path, "must be a whole number", "value")
            return None
        return int(node)

    def keep(self, out: dict[str, Any], name: str, path: str, value: Any, at: str = "") -> None:
        """``out[name] = value`` (unless None), remembering the element ``name`` came from."""
        self.paths[f"{at}{name}"] = path
        if value is not None:
            out[name] = value


def _refuse_modifiers(r: _Reader, node: dict[str, Any], path: str) -> None:
    if node.get("modifierExtension"):
        r.bad(f"{path}.modifierExtension", "modifier extensions are not supported",
              "not-supported")  # fmt: skip


def _header(r: _Reader, body: dict[str, Any], out: dict[str, Any]) -> None:
    status = r.shape(body.get("status"), "Claim.status", str, required=True)
    if status is not None and status not in ("active", "draft"):
        r.bad("Claim.status", "only active (or draft) claims are accepted", "code-invalid")
    out["draft"] = status == "draft"
    use = r.shape(body.get("use"), "Claim.use", str, required=True)
    if use is not None and use != "claim":
        r.bad("Claim.use", "only use 'claim' is accepted", "not-supported")
    kind = r.coding(body.get("type"), "Claim.type", (cm.CLAIM_TYPE_SYSTEM,))
    if kind is not None and kind[1] not in CLAIM_TYPES:
        r.bad("Claim.type", "institutional or professional claims only", "code-invalid")
    visit = r.coding(body.get("subType"), "Claim.subType", (cm.VISIT_TYPE_SYSTEM,))
    r.keep(out, "visit_type", "Claim.subType", visit[1] if visit else None)
    doc = None
    for at, ident in r.items(body.get("identifier"), "Claim.identifier"):
        if isinstance(ident, dict) and ident.get("system") == cm.CLAIM_DOCUMENT_SYSTEM:
            doc = r.identifier(ident, at, cm.CLAIM_DOCUMENT_SYSTEM)
            break
    else:
        r.bad("Claim.identifier", f"needs an identifier of {cm.CLAIM_DOCUMENT_SYSTEM}", "required")
    if doc is not None:
        r.keep(out, "document_number", doc[1], doc[0])


def _parties(r: _Reader, body: dict[str, Any], out: dict[str, Any]) -> None:
    nid = r.reference(body.get("patient"), "Claim.patient", "Patient", m.NATIONAL_ID_SYSTEM)
    r.keep(out, "national_id", nid[1] if nid else "Claim.patient", nid and nid[0])
    code = r.reference(
        body.get("provider"), "Claim.provider", "Organization", m.FACILITY_CODE_SYSTEM
    )
    r.keep(out, "facility_code", code[1] if code else "Claim.provider", code and code[0])
    team = r.items(body.get("careTeam"), "Claim.careTeam")
    if len(team) > 1:
        r.bad("Claim.careTeam", "at most one care team member (the treating practitioner)")
    for at, member in team[:1]:
        member = r.shape(member, at, dict) or {}
        council = r.reference(
            member.get("provider"), f"{at}.provider", "Practitioner", m.MEDICAL_COUNCIL_SYSTEM
        )
        r.keep(out, "practitioner_council_number", council[1] if council else at,
               council and council[0])  # fmt: skip
    period = r.shape(body.get("billablePeriod"), "Claim.billablePeriod", dict) or {}
    for key, end in (("admission_date", "start"), ("discharge_date", "end")):
        at = f"Claim.billablePeriod.{end}"
        r.keep(out, key, at, r.date(period.get(end), at))
    for key, system in (("referral", cm.REFERRAL_SYSTEM), ("prescription", cm.PRESCRIPTION_SYSTEM)):
        if body.get(key) is None:
            continue
        ref = r.shape(body[key], f"Claim.{key}", dict) or {}
        found = r.identifier(ref.get("identifier"), f"Claim.{key}.identifier", system)
        r.keep(out, f"{key}_ref", f"Claim.{key}", found and found[0])


def _diagnoses(r: _Reader, body: dict[str, Any], out: dict[str, Any]) -> None:
    codes: list[str] = []
    r.paths["diagnoses"] = "Claim.diagnosis"
    for at, entry in r.items(body.get("diagnosis"), "Claim.diagnosis"):
        entry = r.shape(entry, at, dict) or {}
        if "diagnosisReference" in entry:
            r.bad(f"{at}.diagnosisReference", "send diagnosisCodeableConcept", "not-supported")
            continue
        found = r.coding(entry.get("diagnosisCodeableConcept"), f"{at}.diagnosisCodeableConcept",
                         (cm.ICD10_SYSTEM,))  # fmt: skip
        if found is not None:
            r.paths[f"diagnoses.{len(codes)}"] = f"{at}.diagnosisCodeableConcept"
            codes.append(found[1])
    out["diagnoses"] = codes


def _lines(r: _Reader, body: dict[str, Any], out: dict[str, Any]) -> None:
    lines: list[dict[str, Any]] = []
    r.paths["lines"] = "Claim.item"
    kinds = {s: k for k, s in cm.ITEM_SYSTEMS.items()}
    for n, (at, item) in enumerate(r.items(body.get("item"), "Claim.item")):
        item = r.shape(item, at, dict) or {}
        _refuse_modifiers(r, item, at)
        line: dict[str, Any] = {}
        key = f"lines.{n}."
        r.paths[key.rstrip(".")] = at
        found = r.coding(item.get("productOrService"), f"{at}.productOrService",
                         tuple(kinds))  # fmt: skip
        product = f"{at}.productOrService"
        r.keep(line, "item_type", product, kinds[found[0]] if found else None, key)
        r.keep(line, "code", product, found[1] if found else None, key)
        if "servicedPeriod" in item:
            r.bad(f"{at}.servicedPeriod", "send servicedDate: one date per item", "not-supported")
        day = r.date(item.get("servicedDate"), f"{at}.servicedDate", required=True)
        r.keep(line, "service_date", f"{at}.servicedDate", day, key)
        qty = r.shape(item.get("quantity"), f"{at}.quantity", dict, required=True)
        if qty is not None:
            value = r.whole(qty.get("value"), f"{at}.quantity.value")
            r.keep(line, "quantity", f"{at}.quantity.value", value, key)
        price = r.shape(item.get("unitPrice"), f"{at}.unitPrice", dict, required=True)
        if price is not None:
            if price.get("currency", cm.CURRENCY) != cm.CURRENCY:
                r.bad(f"{at}.unitPrice.currency", f"amounts are in {cm.CURRENCY}", "value")
            value = r.whole(price.get("value"), f"{at}.unitPrice.value")
            r.keep(line, "unit_price_rials", f"{at}.unitPrice.value", value, key)
        lines.append(line)
    out["lines"] = lines


def parse(body: Any, resolve: Resolver) -> Intake:
    """The posted JSON as a validated ClaimIn; ClaimStructureInvalid or InvalidInput otherwise."""
    if not isinstance(body, dict):
        raise ClaimStructureInvalid(
            "the body is not a FHIR resource", [ElementProblem("Claim", "expected a JSON object")]
        )
    if body.get("resourceType") != "Claim":
        raise ClaimStructureInvalid(
            "only a Claim may be posted here",
            [ElementProblem("Claim.resourceType", "must be Claim", issue="structure")],
        )
    r = _Reader(resolve, [])
    r.contained = [c for _, c in r.items(body.get("contained"), "Claim.contained")]
    r.paths[""] = "Claim.billablePeriod"  # the only whole-claim rule: an inpatient's stay
    out: dict[str, Any] = {}
    _refuse_modifiers(r, body, "Claim")
    _header(r, body, out)
    _parties(r, body, out)
    _diagnoses(r, body, out)
    _lines(r, body, out)
    if r.structural:
        raise ClaimStructureInvalid("the Claim is not valid FHIR JSON", r.problems)
    if r.problems:
        raise InvalidInput("the Claim cannot be accepted", r.problems)
    try:
        return Intake(ClaimIn.model_validate(out), r.paths)
    except ValidationError as exc:
        problems: list[FieldProblem] = [
            ElementProblem(
                _path_of(r.paths, ".".join(str(p) for p in e["loc"])),
                e["msg"].removeprefix("Value error, "),
            )
            for e in exc.errors()
        ]
        raise InvalidInput("the Claim cannot be accepted", problems) from exc
