"""``/api/schema/``: the OpenAPI 3.1 document of the API, generated from the catalogue (a Ralph-ES extension).

Every routed resource under its primary prefix (aliases serve the same
operations and are not repeated), its list and detail routes with the
methods it allows, history and custom field values, and the protocol
routes. Transition routes are not described (see docs/api.md). Read shapes
are as loose as the truth needs: nested records are objects with their keys
only, ``base-objects`` items any BaseObject type.
"""

from __future__ import annotations

import functools

import msgspec

from commands.catalog import BASE_OBJECT_TYPES, CATALOG, RESOURCES, Resource
from commands.catalog.fields import Field, entry_key
from commands.validation import _MAC, TAG_LENGTH, permission_codenames
from projections.filters import MAX_PATTERN, Filters
from projections.tables import ReadSchema

from .negotiation import PARSES, RENDERS
from .resources import Collection, Item

MEDIA = "application/vnd.oai.openapi+json"
JSON = "application/json"
#: The largest record id a URL holds (a 64-bit id column).
MAX_ID = 2**63 - 1
_STRING, _INTEGER, _ANY = {"type": "string"}, {"type": "integer"}, {}
_DATE_PARTS = {"year", "month", "day", "week_day", "hour", "minute", "second"}
_COMPARISONS = {"lt", "lte", "gt", "gte", "exact"}
_COMPARED = {"int": _INTEGER, "choice": _INTEGER, "id": _INTEGER, "decimal": {"type": "number"},
             "date": {"type": "string", "format": "date"}, "datetime": {"type": "string", "format": "date-time"}}
_ERRORS = {
    "401": "Not authenticated (`WWW-Authenticate: Token`).", "403": "Not staff, or no model permission.",
    "404": "No such record.", "405": "Method not allowed here (`Allow` names those that are).",
    "406": "The Accept header names no JSON type or another API version.",
    "409": "The record is referenced by others, or a request with this Idempotency-Key is being processed.",
    "412": "If-Match: the record has changed since.", "413": "The request body is too large.",
    "415": "Unsupported request media type.", "422": "This Idempotency-Key was used with another request.",
    "503": "The database is unavailable (`Retry-After`).",
}


# field values -------------------------------------------------------------
def _nullable(schema: dict) -> dict:
    """``schema`` or null."""
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return {**schema, "type": [*types, "null"]} | ({"enum": [*schema["enum"], None]} if "enum" in schema else {})
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    return {"anyOf": [schema, {"type": "null"}]}


def _decimal(f: Field) -> dict:
    whole = f.max_digits - f.decimal_places
    number = f"[0-9]{{1,{whole}}}" if whole else "0"
    places = rf"(\.[0-9]{{1,{f.decimal_places}}})?" if f.decimal_places else ""
    return {"type": "string", "pattern": f"^-?{number}{places}$",
            "description": f"A decimal number: {f.max_digits} digits, {f.decimal_places} after the point."}


def _bounded(kind: str, f: Field) -> dict:
    schema = {"type": kind}
    for bound, key in (("min_value", "minimum"), ("max_value", "maximum")):
        if getattr(f, bound) is not None:
            schema[key] = getattr(f, bound)
    return schema


def _string(f: Field) -> dict:
    schema = {"type": "string"} | ({"maxLength": f.max_length} if f.max_length else {})
    return schema | ({} if f.blank else {"minLength": 1})


def _pk(f: Field) -> dict:
    """A reference as sent: an id (or the natural key ``lookup`` names)."""
    return {"type": ["integer", "string"]} if f.lookup else _INTEGER


_SENT = {
    "string": _string, "text": _string, "password": lambda f: {"type": "string", "minLength": 1, "writeOnly": True},
    "int": lambda f: _bounded("integer", f), "float": lambda f: _bounded("number", f),
    "bool": lambda f: {"type": "boolean"}, "date": lambda f: {"type": "string", "format": "date"},
    "datetime": lambda f: {"type": "string", "format": "date-time"}, "decimal": _decimal,
    "choice": lambda f: {"enum": _unique([name for _, name in f.choices] + [number for number, _ in f.choices])},
    "ip": lambda f: {"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]},
    "mac": lambda f: {"type": "string", "pattern": _MAC.pattern},
    "json": lambda f: _ANY, "fk": _pk,
    "m2m": lambda f: {"type": "array", "items": _pk(f)} | ({} if f.blank else {"minItems": 1}),
    "tags": lambda f: {"type": ["array", "string"], "items": {"type": "string", "maxLength": TAG_LENGTH},
                       "description": "Tag names (a list, or one comma-separated string)."},
    "permissions": lambda f: {"type": "array", "items": {"enum": sorted({*(codes := permission_codenames()),
                                                                          *codes.values()})}},
}


def _unique(values: list) -> list:
    return list(dict.fromkeys(values))


def sent(f: Field) -> dict:
    """The schema of a value a client may send for ``f`` (what commands/validation.py accepts)."""
    schema = {"type": "array", "items": _STRING} if f.joined else _SENT[f.kind](f)
    if f.null or f.kind == "tags":
        schema = _nullable(schema)
    return _described(f, schema)


def _described(f: Field, schema: dict) -> dict:
    return schema | ({"description": f.help_text} if f.help_text else {}) | (
        {"default": f.default} if f.default is not None and f.default != "now" and f.kind != "fk" else {})


def _reference(f: Field) -> dict:
    """A related record as read: its nested keys (values not described), or its URL."""
    if f.nested is None:
        return {"type": "string", "description": f"URL of a {f.target} record."}
    keys = [entry_key(entry) for entry in f.nested]
    return {"type": "object", "properties": {key: _ANY for key in keys}, "required": keys}


def _either(f: Field, item: dict) -> dict:
    return {"type": "array", "items": item} if f.many else _nullable(item)


_SCALAR = {"string": "string", "text": "string", "ip": "string", "mac": "string", "date": "string",
           "datetime": "string", "decimal": "string", "int": "integer", "float": "number", "bool": "boolean"}
_READ = {
    "url": lambda res, f: _STRING, "ui_url": lambda res, f: _STRING, "str": lambda res, f: _STRING,
    "object_type": lambda res, f: {"const": res.model_name}, "created": lambda res, f: _STRING,
    "modified": lambda res, f: _STRING, "tags": lambda res, f: {"type": "array", "items": _STRING},
    "permissions": lambda res, f: {"type": "array", "items": _STRING},
    "choice": lambda res, f: _nullable({"enum": _unique([name for _, name in f.choices])}),
    "fk": lambda res, f: _nullable(_reference(f)), "m2m": lambda res, f: {"type": "array", "items": _reference(f)},
    "derived": lambda res, f: _either(f, _reference(f)), "reverse": lambda res, f: _either(f, _reference(f)),
    "custom_fields": lambda res, f: {"type": "object", "description": "Custom field values by attribute name."},
    "json": lambda res, f: _ANY, "value": lambda res, f: _ANY, "computed": lambda res, f: _ANY,
    "unserved": lambda res, f: {"type": "null"},
}


def shown(res: Resource, f: Field) -> dict:
    """The schema of ``f`` in a GET representation (projections/render.py); stored scalars may be null."""
    if f.kind == "id":
        return _STRING if res.key else _INTEGER
    if f.joined:
        return _nullable({"type": "array", "items": _STRING})
    if f.kind in _SCALAR:
        return _nullable({"type": _SCALAR[f.kind]})
    return _READ[f.kind](res, f)


def _written(res: Resource, f: Field) -> dict:
    """``f`` in the flat answer to a write: related records by id."""
    if f.kind == "fk":
        return {"type": ["integer", "null"]}
    if f.kind == "m2m":
        return {"type": "array", "items": _INTEGER}
    return shown(res, f)


def _shape(properties: dict, required: list | None = None) -> dict:
    return {"type": "object", "properties": properties} | ({"required": required} if required else {})


def _schemas(res: Resource) -> dict:
    """Component schemas of a resource: read and, when it takes writes, written and the bodies of POST/PUT
    and PATCH."""
    if res.polymorphic:
        return {res.name: {"anyOf": [_ref(r.name) for r in BASE_OBJECT_TYPES], "description": "Any BaseObject type."}}
    out = {res.name: _shape({f.name: shown(res, f) for f in res.read_fields}, [f.name for f in res.read_fields])}
    if {"POST", "PUT", "PATCH"} & set(res.methods):
        body = {f.name: sent(f) for f in res.writable_fields}
        out |= {f"{res.name}.written": _shape({f.name: _written(res, f) for f in res.write_fields},
                                              [f.name for f in res.write_fields]),
                f"{res.name}.body": _shape(body, [f.name for f in res.writable_fields if f.required]),
                f"{res.name}.patch": _shape(body)}
    return out


def _ref(name: str, kind: str = "schemas") -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


# parameters ---------------------------------------------------------------
def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "schema": schema} | ({"description": description} if description else {})


def _lookup_value(kinds: set[str], lookup: str) -> dict:
    """What ``<filter>__<lookup>`` takes (a value that does not fit is a 400; see projections/filters.py)."""
    if lookup == "isnull":
        return {"type": "boolean"}
    if lookup in ("in", "range"):
        return {"type": "string", "description": "Comma-separated values." if lookup == "in" else "Two bounds: a,b."}
    if lookup in _DATE_PARTS:
        return _INTEGER
    if lookup in ("regex", "iregex"):
        return {"type": "string", "maxLength": MAX_PATTERN, "description": "An RE2 regular expression."}
    if lookup in _COMPARISONS and len(kinds) == 1:
        return _COMPARED.get(next(iter(kinds)), _STRING)
    return _STRING


def filter_parameters(res: Resource, filters: Filters) -> list[dict]:
    """Exact filters, their lookups (``filters.lookups``), additional filters and ``tag``."""
    params = {}
    for name in res.filtering:
        params[name] = _query(name, _STRING, "Exact match.")
        for lookup, kinds in sorted(filters.lookups(res, name).items()):
            params[f"{name}__{lookup}"] = _query(f"{name}__{lookup}", _lookup_value(kinds, lookup))
    for name, path in res.additional_filters.items():
        params[name] = _query(name, {"type": "boolean"} if path == "active" else _STRING, "Exact match.")
    if res.get("tags") is not None:
        params["tag"] = _query("tag", {"type": "array", "items": _STRING}, "Records with every tag named.")
    return list(params.values())


_PAGE = [_query("limit", {"type": "integer", "minimum": 1}, "Page size (capped by the server)."),
         _query("offset", {"type": "integer", "minimum": 0}),
         _query("ordering", _STRING, "Comma-separated field names, `-` for descending; unknown names ignored.")]
_AS_OF = _query("as_of", _STRING, "An ISO 8601 instant: the representation the record had then.")


def _header(name: str, description: str, schema: dict = _STRING) -> dict:
    return {"name": name, "in": "header", "schema": schema, "description": description}


_IDEMPOTENCY = _header("Idempotency-Key", "Replays the first answer of a request made with this key (24 h).",
                       {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"})
_IF_MATCH = _header("If-Match", "Apply only while the record is at the version this ETag names.")
_IF_NONE_MATCH = _header("If-None-Match", "304 when the record still has this ETag.")


def _path_id(name: str, keyed: bool = False) -> dict:
    schema = {"type": "string", "maxLength": 100} if keyed else {"type": "integer", "minimum": 0, "maximum": MAX_ID}
    return {"name": name, "in": "path", "required": True, "schema": schema}


# responses ----------------------------------------------------------------
def _json(schema: dict, description: str, headers: dict | None = None) -> dict:
    out = {"description": description, "content": {JSON: {"schema": schema}}}
    return out | ({"headers": headers} if headers else {})


def _errors(*codes: str) -> dict:
    return {code: _ref(code, "responses") for code in ("401", "403", "406", *codes, "503")}


def _page(item: dict) -> dict:
    return _shape({"count": _INTEGER, "next": {"type": ["string", "null"]},
                   "previous": {"type": ["string", "null"]}, "results": {"type": "array", "items": item}},
                  ["count", "next", "previous", "results"])


def _headless(responses: dict) -> dict:
    """The responses of a HEAD: the same statuses, no body."""
    return {code: {"description": "As GET, without a body."} for code in responses}


_HEADER_SCHEMA = {"schema": _STRING}
_ETAG = {"ETag": _HEADER_SCHEMA | {"description": '`"<version>-<digest>"`'}}
_OPTIONS = _shape({"name": _STRING, "description": _STRING, "renders": {"const": RENDERS},
                   "parses": {"const": PARSES}, "actions": {"type": "object"},
                   "filtering": {"type": "array", "items": _STRING}}, ["name", "description", "renders", "parses"])


# operations ---------------------------------------------------------------
def _operation(op_id: str, tag: str, summary: str, responses: dict, parameters=(), body: dict | None = None) -> dict:
    op = {"operationId": op_id, "tags": [tag], "summary": summary, "responses": responses}
    if parameters:
        op["parameters"] = list(parameters)
    if body:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    return op


def _names(res: Resource, owner: Resource | None) -> tuple[str, str]:
    """(operation id prefix, tag) of ``res``'s routes (``owner``: custom field values under their owner)."""
    return (f"{owner.name}.customfields", owner.name) if owner else (res.name, res.name)


def _list_item(res: Resource, filters: Filters, owner: Resource | None = None) -> dict:
    """The path item of a list URL."""
    (op_id, tag), missing = _names(res, owner), ("404",) if owner else ()
    ok = _json(_page(_ref(res.name)), "A page of records.",
               {"X-Ignored-Filters": _HEADER_SCHEMA | {"description": "Filters that did not apply."}})
    get = {"200": ok, **_errors("400", *missing)}
    params = [*_PAGE, *filter_parameters(res, filters)]
    ops = {
        "GET": _operation(f"{op_id}.list", tag, f"List {res.verbose} records.", get, params),
        "HEAD": _operation(f"{op_id}.list.head", tag, "Headers of the list.", _headless(get), params),
        "POST": _operation(f"{op_id}.create", tag, f"Create a {res.verbose}.",
                           {"201": _json(_ref(f"{res.name}.written"), "Created: the record as written."),
                            **_errors("400", *missing, "409", "413", "415", "422")}, [_IDEMPOTENCY],
                           _ref(f"{res.name}.body")),
        "OPTIONS": _operation(f"{op_id}.list.options", tag, "Metadata and filters.",
                              {"200": _json(_OPTIONS, "Metadata."), **_errors(*missing)}),
    }
    return {m.lower(): ops[m] for m in res.methods if m in Collection.allowed_here}


def _detail_item(res: Resource, owner: Resource | None = None) -> dict:
    """The path item of a detail URL."""
    op_id, tag = _names(res, owner)
    get = {"200": _json(_ref(res.name), "The record.", _ETAG), "304": {"description": "Not modified.",
                                                                     "headers": _ETAG}, **_errors("400", "404")}
    written = {"200": _json(_ref(f"{res.name}.written"), "The record as written."),
               **_errors("400", "404", "409", "412", "413", "415", "422")}
    reading = [_AS_OF, _IF_NONE_MATCH]
    ops = {
        "GET": _operation(f"{op_id}.read", tag, f"One {res.verbose}.", get, reading),
        "HEAD": _operation(f"{op_id}.read.head", tag, "Headers of the record.", _headless(get), reading),
        "PUT": _operation(f"{op_id}.update", tag, f"Replace a {res.verbose}.", written,
                          [_IF_MATCH, _IDEMPOTENCY], _ref(f"{res.name}.body")),
        "PATCH": _operation(f"{op_id}.partial_update", tag, f"Change some fields of a {res.verbose}.", written,
                            [_IF_MATCH, _IDEMPOTENCY], _ref(f"{res.name}.patch")),
        "DELETE": _operation(f"{op_id}.delete", tag, f"Delete a {res.verbose}.",
                             {"204": {"description": "Deleted."}, **_errors("400", "404", "409", "412", "422")},
                             [_IF_MATCH, _IDEMPOTENCY]),
        "OPTIONS": _operation(f"{op_id}.read.options", tag, "Metadata.",
                              {"200": _json(_OPTIONS, "Metadata."), **_errors("404")}),
    }
    return {m.lower(): ops[m] for m in res.methods if m in Item.allowed_here}


_ENTRY = _shape({"position": _INTEGER, "version": _INTEGER, "timestamp": _STRING,
                 "user": {"type": ["object", "null"]}, "resource": _STRING, "changes": {"type": "object"},
                 "kind": {"enum": ["created", "changed", "transition", "deleted", "converted"]},
                 "previous_resource": _STRING, "transition": {"type": "object"}},
                ["position", "version", "timestamp", "user", "kind", "resource", "changes"])
#: A feed entry also names its record.
_FEED_ENTRY = _shape({**_ENTRY["properties"], "id": _INTEGER}, [*_ENTRY["required"], "id"])


def _history(res: Resource) -> dict:
    get = {"200": _json(_page(_ENTRY), "The record's changes, oldest first."), **_errors("404")}
    params = [*_PAGE[:2], _query("ordering", {"enum": ["position", "-position"]})]
    return {"get": _operation(f"{res.name}.history", res.name, "The record's history.", get, params),
            "head": _operation(f"{res.name}.history.head", res.name, "Headers of the history.", _headless(get),
                               params)}


def resource_paths(res: Resource, filters: Filters) -> dict:
    """Paths of one routed resource (as api/app.py routes it), under its primary prefix."""
    base = f"/api/{res.name}"
    detail = f"{base}/{{key}}/" if res.key else f"{base}/{{id}}/"
    paths = {f"{base}/": _list_item(res, filters),
             detail: {"parameters": [_path_id("key" if res.key else "id", bool(res.key))], **_detail_item(res)}}
    if not res.key:
        paths[f"{base}/{{id}}/history/"] = {"parameters": [_path_id("id")], **_history(res)}
    if res.has_custom_fields and not res.polymorphic:
        values = CATALOG["customfieldvalues"]
        paths[f"{base}/{{id}}/customfields/"] = {"parameters": [_path_id("id")], **_list_item(values, filters, res)}
        paths[f"{base}/{{id}}/customfields/{{value_id}}/"] = {"parameters": [_path_id("id"), _path_id("value_id")],
                                                              **_detail_item(values, res)}
    return paths


def _protocol_paths() -> dict:
    """``/api/``, ``/api-token-auth/``, ``/api/health/``, ``/api/events/`` and this document."""
    prefixes = sorted({r.name for r in RESOURCES if not r.internal} | {a for r in RESOURCES for a in r.aliases})
    credentials = _shape({"username": _STRING, "password": _STRING}, ["username", "password"])
    events = [_query("after", {"type": "integer", "minimum": 0, "maximum": MAX_ID}, "Changes after this position."),
              _query("limit", {"type": "integer", "minimum": 0, "maximum": MAX_ID}),
              _query("wait", {"type": "number", "minimum": 0, "maximum": MAX_ID},
                     "Seconds to wait for a change (at most 30 are waited)."),
              _query("resource", {"enum": prefixes}), _query("id", {"type": "string", "pattern": "^[0-9]{1,18}$"})]
    feed = _shape({"results": {"type": "array", "items": _FEED_ENTRY}, "last": _INTEGER, "next": _STRING},
                  ["results", "last", "next"])
    health = _json(_shape({"healthy": {"type": "boolean"}}, ["healthy"]), "The health report.")
    return {
        "/api/": {"get": _operation("root", "protocol", "Resource prefixes the user may view, to their list URLs.",
                                    {"200": _json({"type": "object", "additionalProperties": _STRING}, "The index."),
                                     **_errors()})},
        "/api-token-auth/": {"post": _operation(
            "token", "protocol", "The user's API token.",
            {"200": _json(_shape({"token": _STRING}, ["token"]), "The token: send `Authorization: Token <token>`."),
             "400": _ref("400", "responses"), "406": _ref("406", "responses"), "413": _ref("413", "responses"),
             "415": _ref("415", "responses"), "503": _ref("503", "responses")},
            body=credentials) | {"security": []}},
        "/api/health/": {"get": _operation("health", "protocol", "Is the deployment able to serve?",
                                           {"200": health, "503": health | {"description": "Unhealthy."},
                                            "406": _ref("406", "responses")}) | {"security": []}},
        "/api/events/": {"get": _operation("events", "protocol", "Every change in store order.",
                                           {"200": _json(feed, "Changes."), **_errors("400")}, events)},
        "/api/schema/": {"get": _operation("schema", "protocol", "This document.",
                                           {"200": {"description": "The OpenAPI document.",
                                                    "content": {MEDIA: {"schema": {"type": "object"}},
                                                                JSON: {"schema": {"type": "object"}}}},
                                            **_errors()})},
    }


def _responses() -> dict:
    messages = {"type": "array", "items": _STRING}
    invalid = {"anyOf": [{"type": "object", "additionalProperties": {"anyOf": [messages, _STRING]}}, messages],
               "description": "DRF's shape: `{field: [messages]}` (or `{detail: message}`, or a list of messages)."}
    detail = _shape({"detail": _STRING}, ["detail"])
    out = {"400": _json(invalid, "Invalid request.")}
    for code, description in _ERRORS.items():
        out[code] = _json(_shape({"detail": _STRING, "referenced_by": {}}, ["detail"]) if code == "409" else detail,
                          description)
    return out


@functools.cache
def document() -> dict:
    """The OpenAPI document (built once per process)."""
    filters = Filters(ReadSchema(), "sqlite")
    paths, schemas = _protocol_paths(), {}
    for res in RESOURCES:
        if not res.internal:
            paths.update(resource_paths(res, filters))
            schemas.update(_schemas(res))
    schemas.update(_schemas(CATALOG["customfieldvalues"]))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ralph-ES", "version": "v1", "description": (
            "Ralph's REST API served by Ralph-ES. Each resource is described under its Ralph prefix; the aliases "
            "(`GET /api/` lists them) serve the same operations. Unknown filters are ignored and named in "
            "`X-Ignored-Filters`; `customfield__<attribute>` filters records by a custom field value. Transition "
            "routes (`/api/<app>/<model>/...`) are not described here. Requests may also be form-encoded.")},
        "paths": paths,
        "components": {"schemas": schemas, "responses": _responses(), "securitySchemes": {
            "tokenAuth": {"type": "apiKey", "in": "header", "name": "Authorization",
                          "description": "`Authorization: Token <key>` (the key from `POST /api-token-auth/`)."},
            "basicAuth": {"type": "http", "scheme": "basic"}}},
        "security": [{"tokenAuth": []}, {"basicAuth": []}],
    }


@functools.cache
def _encoded() -> bytes:
    return msgspec.json.encode(document())


class Schema:
    """GET the document, as ``application/vnd.oai.openapi+json`` (``application/json`` when preferred)."""

    def on_get(self, req, resp):
        resp.content_type = JSON if req.client_prefers([MEDIA, JSON]) == JSON else MEDIA
        resp.data = _encoded()
