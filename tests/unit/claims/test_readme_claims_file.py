"""The claims file examples in the README are files the importer accepts, as written."""

from __future__ import annotations

import io
import re
from pathlib import Path

from darman.claims import bulk
from darman.claims.schemas import ClaimIn

README = Path(__file__).resolve().parents[3] / "README.md"


def _block(language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert found is not None, f"no {language} example in the README"
    return found.group(1)


def test_the_readmes_csv_and_ndjson_examples_are_one_valid_claim_each() -> None:
    claims = []
    for language, fmt in (("csv", "csv"), ("json", "ndjson")):
        stream = io.BytesIO(_block(language).encode("utf-8"))
        (record,) = list(bulk.records(stream, fmt))
        claim = bulk.validate(record)
        assert isinstance(claim, ClaimIn), claim
        claims.append(claim)
    csv_claim, json_claim = claims
    assert csv_claim.lines == json_claim.lines
    assert (csv_claim.facility_code, csv_claim.document_number) == ("C0100006", "5301")
    assert csv_claim.lines[0].unit_price_rials == 1_250_000
    # the CSV header names every column the importer reads
    assert _block("csv").splitlines()[0].split(",") == list(bulk.FLAT_COLUMNS)
