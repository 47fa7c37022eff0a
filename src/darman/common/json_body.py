"""A JSON request body read and validated by the route itself.

For a route on the path of nearly every keystroke of a user (the e-prescription's dry-run
check), FastAPI's per-request work (solving the body and credential dependencies, then
validating the answer again against its response model) cost as much as the route's
own reads. Such a route takes the bare ``Request``, validates the body's bytes here in one
step, and answers with bytes it serialised itself; a bad body is refused with
the same ``RequestValidationError`` (so the same problem+json, fields under ``body``) as
a declared body parameter. ``documented`` puts what the declaration would have said
back into the OpenAPI document.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def validated(model: type[Model], raw: bytes) -> Model:
    """``raw``, a request's body (``await request.body()``), as ``model``."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors, body=raw) from None


def documented(model: type[BaseModel], *, security: list[str]) -> dict[str, Any]:
    """``openapi_extra`` for such a route: its JSON body is ``model`` (a schema of the
    document's components: another route must declare it) and it takes the named
    security schemes, any one of them."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        },
        "security": [{name: []} for name in security],
    }
