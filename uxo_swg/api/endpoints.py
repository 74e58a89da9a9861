"""The API's blueprint and its one way of declaring an endpoint, so routes, rights and OpenAPI agree.

An endpoint is a function `handler(args, *, session)` declared with `api.get(...)`: its
parameters (parsed here, 400 naming the one that is wrong), the roles that may call it (the
web's `roles_required`, 403), and the JSON schema of what it returns. A paged endpoint returns
`(items, total)` and gets the page, the links and the total around them. `openapi.py` writes
the description from the same declarations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence
from urllib.parse import quote

from flask import Blueprint, current_app, g, jsonify, request

from ..audit import set_actor
from ..db import get_session
from ..permissions import roles_required
from ..security import ERRORS, csrf
from .params import PAGE, PER_PAGE, ApiError, Param, parse_params
from .tokens import user_of_token

_VARIABLE = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass(frozen=True)
class Endpoint:
    """One GET endpoint as the OpenAPI document describes it."""

    name: str  # the Flask endpoint, under the blueprint's name
    rule: str  # the Flask rule, under the API's prefix
    summary: str
    tag: str
    params: tuple[Param, ...]
    response: str | dict[str, Any]  # a schema's name in schemas.SCHEMAS, or a JSON schema
    paged: bool
    roles: tuple[str, ...] | None  # None: any user with a token

    @property
    def path(self) -> str:
        """Return the rule as an OpenAPI path template (/pledges/{pledge_id})."""
        return _VARIABLE.sub(lambda m: "{" + m[2] + "}", self.rule)


class Api:
    """A blueprint answering JSON to bearer tokens only: no cookie, no CSRF, errors as JSON."""

    def __init__(self, name: str, prefix: str):
        self.bp = Blueprint(name, __name__, url_prefix=prefix)
        self.prefix = prefix
        self.endpoints: list[Endpoint] = []
        csrf.exempt(self.bp)  # it takes no cookies, so a forged cross-site request carries nothing
        self.bp.record_once(self._token_paths)
        self.bp.before_request(self._authenticate)
        self.bp.errorhandler(ApiError)(error_response)

    def _token_paths(self, state: Any) -> None:
        # security._guard leaves these paths to the token check, and error pages under them are JSON.
        state.app.config.setdefault("TOKEN_AUTH_PREFIXES", set()).add(self.prefix + "/")

    def _authenticate(self) -> None:
        # Flask-Login's current_user for this request: nobody until a token says who, never the cookie's user.
        g._login_user = current_app.login_manager.anonymous_user()
        if request.endpoint == f"{self.bp.name}.openapi":
            return
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "send an API token as the header 'Authorization: Bearer TOKEN' "
                                "(an admin makes one with: uxo-swg create-token EMAIL)")
        session = get_session()
        user = user_of_token(token.strip(), session=session)
        if user is None:
            raise ApiError(401, "this token is not known, was revoked, or its user is disabled")
        g._login_user = user  # so the web's own permission checks (roles_required, has_role) apply as they are
        set_actor(session, actor=user.email, via="api", user_id=user.id)

    def get(self, rule: str, *, summary: str, tag: str, response: str | dict[str, Any],
            params: Sequence[Param] = (), roles: Sequence[str] | None = None, paged: bool = False) -> Callable:
        """Declare a GET endpoint: `handler(args, *, session)` returns a JSON-able dict, or `(items, total)` when paged."""
        everything = (*params, PAGE, PER_PAGE) if paged else tuple(params)
        declared = {p.name for p in everything if p.where == "path"}
        in_rule = {m[2] for m in _VARIABLE.finditer(rule)}
        if declared != in_rule:
            raise ValueError(f"{rule}: path parameters declared {sorted(declared)}, in the rule {sorted(in_rule)}")

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            endpoint = Endpoint(handler.__name__, rule, summary, tag, everything, response, paged,
                                tuple(roles) if roles else None)

            def view(**path: str) -> Any:
                session = get_session()
                args = parse_params(everything, request.args.to_dict(flat=False), path, session=session)
                result = handler(args, session=session)
                return jsonify(page_body(*result, args) if paged else result)

            view.__name__ = handler.__name__
            guarded = roles_required(*roles)(view) if roles else view  # 403 before any parameter is read
            self.bp.add_url_rule(rule, endpoint=handler.__name__, view_func=guarded, methods=["GET"])
            self.endpoints.append(endpoint)
            return handler

        return register

    def report(self, name: str, *, summary: str, response: dict[str, Any], params: Sequence[Param] = (),
               roles: Sequence[str] | None = None) -> Callable:
        """Declare a report at /reports/NAME: `handler(args, *, session)` returns the report's JSON document."""
        return self.get(f"/reports/{name}", summary=summary, tag="reports", response=response, params=params,
                        roles=roles)


def page_body(items: list[dict[str, Any]], total: int, args: dict[str, Any]) -> dict[str, Any]:
    """Return one page of items with the total, the number of pages and the links to the others."""
    page, per_page = args["page"], args["per_page"]
    pages = max((total + per_page - 1) // per_page, 1)

    def link(number: int) -> str:
        query = request.args.to_dict(flat=True)
        query.update(page=str(number), per_page=str(per_page))
        return request.path + "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in sorted(query.items()))

    return {"items": items, "total": total, "page": page, "per_page": per_page, "pages": pages,
            "links": {"self": link(page), "first": link(1), "last": link(pages),
                      "prev": link(min(page, pages + 1) - 1) if page > 1 else None,
                      "next": link(page + 1) if page < pages else None}}


def error_response(error: ApiError) -> Any:
    """Return the JSON of an API error: the status's title, the sentence, and the parameter to blame."""
    body: dict[str, Any] = {"error": ERRORS.get(error.status, ("Error",))[0], "message": error.message}
    if error.parameter:
        body["parameter"] = error.parameter
    headers = {"WWW-Authenticate": 'Bearer realm="uxo-swg"'} if error.status == 401 else {}
    return jsonify(body), error.status, headers


def no_such(what: str, number: int) -> ApiError:
    """Return the 404 for a record that does not exist."""
    return ApiError(404, f"there is no {what} with the number {number}")


#: The API, version 1. Endpoints are declared on it in routes.py, reports in reports.py.
api = Api("api", "/api/v1")
