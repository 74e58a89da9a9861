"""The OpenAPI 3 description of the API, written from the endpoints' own declarations."""
from __future__ import annotations

from typing import Any

from .endpoints import Api, Endpoint
from .params import MAX_PER_PAGE
from .schemas import INTEGER, SCHEMAS, TEXT, array, nullable, obj, ref

ROLE_WORDS = {None: "any user with a token"}
INTRODUCTION = (
    "Read-only JSON API of the UXO Sector Working Group funding tracker. Send a token made with "
    "`uxo-swg create-token EMAIL` as `Authorization: Bearer TOKEN`: the API has exactly the rights of the token's user "
    "on the web. Amounts are strings with their currency's decimals (never floats); dates are ISO 8601; lists come "
    f"in pages (`page`, `per_page` up to {MAX_PER_PAGE}) in a fixed order. Errors are JSON with a `message`; a "
    "parameter that cannot be read is a 400 whose `parameter` names it."
)
ERRORS = {
    "400": "a parameter is unknown, repeated or cannot be read (`parameter` names it)",
    "401": "no token, or a token that is unknown, revoked, or whose user is disabled",
    "403": "the token's user may not see this",
    "404": "no such record, summary version or page",
}


def _page_schema(item: dict[str, Any]) -> dict[str, Any]:
    link = nullable(TEXT)
    return obj({"items": array(item), "total": INTEGER, "page": INTEGER, "per_page": INTEGER, "pages": INTEGER,
                "links": obj({"self": TEXT, "first": TEXT, "last": TEXT, "prev": link, "next": link})})


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    body = ref(endpoint.response) if isinstance(endpoint.response, str) else endpoint.response
    if endpoint.paged:
        body = _page_schema(body)
    roles = ", ".join(endpoint.roles) if endpoint.roles else ROLE_WORDS[None]
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": body}}}}
    for code, said in ERRORS.items():
        responses[code] = {"description": said, "content": {"application/json": {"schema": ref("Error")}}}
    return {
        "operationId": endpoint.name, "summary": endpoint.summary, "tags": [endpoint.tag],
        "description": f"{endpoint.summary}. Who may call it: {roles}.",
        "parameters": [{"name": p.name, "in": p.where, "required": p.required or p.where == "path",
                        "description": p.description, "schema": p.schema} for p in endpoint.params],
        "security": [{"bearerAuth": []}],
        "responses": responses,
    }


def openapi_document(api: Api) -> dict[str, Any]:
    """Return the OpenAPI 3.0 document of every endpoint the API declares."""
    paths: dict[str, Any] = {
        f"{api.prefix}/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This description of the API", "tags": ["meta"], "security": [],
            "responses": {"200": {"description": "the OpenAPI 3.0 document",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    }
    for endpoint in api.endpoints:
        paths.setdefault(api.prefix + endpoint.path, {})["get"] = _operation(endpoint)
    return {
        "openapi": "3.0.3",
        "info": {"title": "UXO Sector Working Group funding tracker API", "version": "1", "description": INTRODUCTION},
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "a token made with `uxo-swg create-token EMAIL`"}},
        },
        "security": [{"bearerAuth": []}],
    }
