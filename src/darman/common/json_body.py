"""A JSON request body read and validated by the route itself.

For a route on the path of nearly every keystroke of a user (the e-prescription's dry-run
check), FastAPI's per-request work (solving the body and credential dependencies, then
validating the answer again against its response model) cost as much as the route's
own reads. Such a route takes the bare ``Request``, reads its body's bytes, validates
them here and answers with bytes it serialised itself. The body is judged as FastAPI
judges a declared body parameter, so callers see the same answers: JSON only under a
JSON content type, an empty body is a missing one, undecodable JSON names its
position, bytes that are not text at all are a 400, and every problem comes as a
``RequestValidationError`` with its fields under ``body`` (the same problem+json).
``documented`` puts what the declaration would have said back into the OpenAPI document.
"""

from __future__ import annotations

import email.message
import functools
import json
from typing import Any, TypeVar

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


@functools.lru_cache(maxsize=64)  # parsing the header cost a sixth of validating the body
def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def validated(model: type[Model], raw: bytes, content_type: str | None) -> Model:
    """``raw``, a request's body (``await request.body()``) sent as ``content_type``,
    as ``model``."""
    if not raw:
        missing = {"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}
        raise RequestValidationError([missing], body=None)
    body: Any = raw  # not JSON: validated as it is, and refused as no object
    if _is_json(content_type):
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as exc:
            error = {
                "type": "json_invalid",
                "loc": ("body", exc.pos),
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": exc.msg},
            }
            raise RequestValidationError([error], body=exc.doc) from None
        except ValueError:  # not text in any encoding JSON may come in
            raise HTTPException(400, "There was an error parsing the body") from None
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors, body=body) from None


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
