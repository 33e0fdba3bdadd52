"""Transition endpoints: a model's transitions, their parameters (OPTIONS) and runs (POST).

Routes, for every resource with transitions (``app_label/model`` as Ralph's
content type, e.g. ``data_center/datacenterasset``):

* ``GET  /api/<app>/<model>/<pk>/transitions/`` and ``.../transitions/<id>/``: the model's transitions;
* ``OPTIONS|POST /api/<app>/<model>/<pk>/transitions/<id or name>/``: parameters, run;
* ``POST /api/<app>/<model>/transitions/<id or name>/`` with ``{"ids": [...]}``: one run over several objects;
* deprecated: ``POST /api/transition/<id>/<pk>`` and ``/api/transitions/<id>/<pk>``.
"""

from __future__ import annotations

import re

import falcon
import msgspec

from commands.catalog import CATALOG, Resource
from commands.catalog.actions import Param
from commands.catalog.display import display
from commands.transitions import TransitionNotFound, find_transition, models_with_transitions, param_field, parameters
from commands.validation import ValidationFailed
from workers.runtime import Runtime

from .errors import method_not_allowed, not_found
from .idempotency import keyed
from .negotiation import PARSES, RENDERS, parse_body
from .options import field_info
from .permissions import require
from .resources import Collection, Item
from .responses import send, stored

_encode = msgspec.json.Encoder().encode
#: Ralph's route: a transition is named by its id (digits) or by its name (letters, digits, ``_``, spaces).
_NAME = re.compile(r"^[\w ]+$")
_TYPES = {"CharField": "string", "BooleanField": "boolean", "URLField": "url", "IntegerField": "integer",
          "DateField": "date", "ChoiceField": "choice", "ModelChoiceField": "field",
          "ModelMultipleChoiceField": "multiple choice"}
DESCRIPTION = ("Transition API endpoint for selected model.\n\nExample:\n"
               "    OPTIONS: /api/<app_label>/<model>/<pk>/transitions/<transition_name>\n    or <transiton_id>")
#: The most choices an OPTIONS answer lists for one parameter.
MAX_CHOICES = 1000


def _key(raw: str) -> int | str:
    """A transition id (digits) or name from the URL (404 otherwise)."""
    if raw.isdigit() and raw.isascii():
        return int(raw) if len(raw) < 19 else -1
    if not _NAME.match(raw):
        raise TransitionNotFound(raw)
    return raw


class _ModelTransitions:
    """Scopes the transitions resource to the transitions of one model."""

    def __init__(self, rt: Runtime, model: Resource):
        super().__init__(rt, CATALOG["transitions"])
        self.model = model

    def _scope(self, owner_pk: int | None) -> dict:
        found = self.rt.reads.find(CATALOG["transitions-model"], "content_type", self.model.content_type)
        return {"model": found[0] if found else -1}


class AvailableTransitions(_ModelTransitions, Collection):
    """``GET /api/<app>/<model>/<pk>/transitions/``: every transition of the model (Ralph checks no object)."""

    allowed_here = ("GET", "HEAD", "OPTIONS")


class TransitionRun(_ModelTransitions, Item):
    """``/api/<app>/<model>/<pk>/transitions/<id or name>/``: detail (GET by id), parameters, run."""

    allowed_here = ("GET", "HEAD", "OPTIONS", "POST")

    @property
    def allowed(self) -> tuple[str, ...]:
        return self.allowed_here

    def on_get(self, req, resp, pk: int, key: str):
        require(req, self.res)
        transition = _key(key)
        if not isinstance(transition, int):
            raise method_not_allowed("GET", ("POST", "OPTIONS"))
        state = self.rt.reads.state(self.res, transition)
        if state is None or state.get("model") != self._scope(None)["model"]:
            raise not_found()
        super().on_get(req, resp, transition)

    def on_options(self, req, resp, pk: int, key: str):
        require(req, self.res)
        transition = find_transition(self.rt.commands, self.model, _key(key))
        obj = self.rt.commands.load_values(self.model.name, pk)
        fields = {name: self._info(param) for name, (_action, param) in parameters(transition, obj).items()}
        send(req, resp, 200, _encode({"name": "Transition", "description": DESCRIPTION, "renders": RENDERS,
                                      "parses": PARSES, "actions": {"POST": fields}}))

    def _info(self, param: Param) -> dict:
        """DRF's description of one parameter (its form field mapped as Ralph's API maps it)."""
        info = field_info(param_field(param))
        info["type"] = _TYPES[param.form]
        info.pop("url", None)
        if param.form == "ModelMultipleChoiceField":
            info["choices"] = _choices(self.rt, param.target)
        return info

    def on_post(self, req, resp, pk: int, key: str):
        body = parse_body(req, self.rt.settings.max_body_bytes)
        _run(self.rt, req, resp, self.model, [pk], _key(key), body)


class BulkTransitionRun:
    """``POST /api/<app>/<model>/transitions/<id or name>/`` with ``{"ids": [...]}``: all or none."""

    def __init__(self, rt: Runtime, model: Resource):
        self.rt, self.model = rt, model

    def on_post(self, req, resp, key: str):
        body = parse_body(req, self.rt.settings.max_body_bytes)
        ids = body.get("ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool)
                                                            for i in ids):
            raise ValidationFailed({"ids": ["Expected a non-empty list of object ids."]})
        if len(ids) > self.rt.settings.max_limit:
            raise ValidationFailed({"ids": [f"Ensure this list has no more than {self.rt.settings.max_limit} "
                                            "elements."]})
        _run(self.rt, req, resp, self.model, list(dict.fromkeys(ids)), _key(key), body)


class DeprecatedTransitionRun:
    """``/api/transition/<id>/<pk>`` and ``/api/transitions/<id>/<pk>``: the transition by id, of any model."""

    def __init__(self, rt: Runtime):
        self.rt = rt

    def on_post(self, req, resp, pk: int, obj_pk: str):
        state = self.rt.reads.state(CATALOG["transitions"], pk)
        model = state and self.rt.reads.state(CATALOG["transitions-model"], state["model"])
        res = next((r for r in models_with_transitions() if model and r.content_type == model["content_type"]), None)
        if res is None:
            raise TransitionNotFound(pk)
        if not obj_pk.isdigit() or len(obj_pk) > 18:
            raise not_found()
        body = parse_body(req, self.rt.settings.max_body_bytes)
        _run(self.rt, req, resp, res, [int(obj_pk)], pk, body)


class HistoryAttachment:
    """``GET /api/transitions-history/<id>/attachments/<file>/``: a document the run generated."""

    def __init__(self, rt: Runtime):
        self.rt = rt

    def on_get(self, req, resp, pk: int, item: int):
        require(req, CATALOG["transitions-history"])
        entry = self.rt.reads.state(CATALOG["transitions-history"], pk)
        document = self.rt.reads.state(CATALOG["attachments"], item) if entry and item in entry["files"] else None
        if document is None:
            raise not_found()
        resp.content_type = f"{document['mime_type']}; charset=utf-8"
        resp.set_header("Content-Disposition", f'attachment; filename="{document["original_filename"]}"')
        resp.text = document["content"]


def _run(rt: Runtime, req, resp, model: Resource, pks: list[int], key, body) -> None:
    """Run (the user needs the change permission on the model); answer (:func:`_ran`) once the read model shows
    it."""
    require(req, model, "PUT")
    outcome = keyed(rt, req, resp, body, _ran,
                    lambda receipt: rt.run_transition(model, pks, key, body, req.context.user_id, receipt))
    if outcome is None:
        return
    stored(rt, resp, rt.projector.head() if outcome.jobs and rt.settings.embedded else outcome.position)
    send(req, resp, *_ran(outcome.jobs))


def _ran(jobs: list[str]) -> tuple[int, bytes]:
    """The answer to a run: 201 ``{}``, or 202 with the jobs of an asynchronous run."""
    if jobs:
        return 202, _encode({"job_ids": [f"/api/transitions-job/{job}/" for job in jobs]})
    return 201, b"{}"


class _ReadRecords:
    """Stored values of records from the read model (for their ``str()``)."""

    def __init__(self, rt: Runtime):
        self.rt = rt

    def state(self, resource: str, pk: int):
        res = CATALOG[resource]
        found = self.rt.reads.state(res, pk)
        return None if found is None else (res, found)


def _choices(rt: Runtime, resource: str) -> list[dict]:
    """Every record of ``resource`` as a choice (value: id, display name: its ``str()``), up to MAX_CHOICES."""
    res, records = CATALOG[resource], _ReadRecords(rt)
    _count, docs, _ignored = rt.reads.page(res, {}, MAX_CHOICES, 0)
    out = []
    for doc in docs:
        pk = msgspec.json.decode(doc)["id"]
        out.append({"value": pk, "display_name": display(res, pk, rt.reads.state(res, pk), records)})
    return out


def install(app: falcon.App, rt: Runtime, id_converter: str) -> None:
    """Add the transition routes of every model with transitions."""
    for model in models_with_transitions():
        base = f"/api/{model.app_label}/{model.model_name}"
        app.add_route(f"{base}/{{pk:{id_converter}}}/transitions/", AvailableTransitions(rt, model))
        app.add_route(f"{base}/{{pk:{id_converter}}}/transitions/{{key}}/", TransitionRun(rt, model))
        app.add_route(f"{base}/transitions/{{key}}/", BulkTransitionRun(rt, model))
    app.add_route(f"/api/transitions-history/{{pk:{id_converter}}}/attachments/{{item:{id_converter}}}/",
                  HistoryAttachment(rt))
    deprecated = DeprecatedTransitionRun(rt)
    app.add_route(f"/api/transition/{{pk:{id_converter}}}/{{obj_pk}}", deprecated)
    app.add_route(f"/api/transitions/{{pk:{id_converter}}}/{{obj_pk}}", deprecated)


def _transition_not_found(req, resp, ex: TransitionNotFound, params):
    resp.status = 404
    resp.content_type = falcon.MEDIA_JSON
    resp.data = _encode({"detail": "Transition not found!"})


def install_errors(app: falcon.App) -> None:
    """Unknown transitions answer Ralph's 404 body (unknown objects answer the usual one)."""
    app.add_error_handler(TransitionNotFound, _transition_not_found)
