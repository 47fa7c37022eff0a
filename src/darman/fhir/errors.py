"""Errors only the FHIR facade raises; the facade answers them as OperationOutcome."""

from __future__ import annotations

from darman.common.errors import DarmanError


class SearchParameterInvalid(DarmanError):
    """A search or paging parameter the facade does not know or cannot parse (FHIR: 400)."""

    status = 400
    title = "Invalid search parameter"
    slug = "invalid-search-parameter"


class UnsupportedResourceType(DarmanError):
    """A resource type or interaction the facade does not serve."""

    status = 404
    title = "Not supported"
    slug = "not-supported"


class FormatNotSupported(DarmanError):
    """A ``_format`` other than JSON: the facade speaks JSON only."""

    status = 406
    title = "Format not supported"
    slug = "format-not-supported"
