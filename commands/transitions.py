"""Transitions: configuration rules, the models and actions Ralph-ES makes, and one run as one command.

A run validates the parameters of the transition's actions, checks every
object's status and the actions' preconditions, applies the actions in
``run_after`` order to the objects' values, sets the target status, and
appends each object's change and its history record in one save: all or
nothing, for any number of objects.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass, field
from graphlib import TopologicalSorter

from eventsourcing.persistence import IntegrityError

from .catalog import CATALOG, Resource
from .catalog.actions import ACTIONS, Action, Param
from .catalog.display import display
from .catalog.fields import Field
from .catalog.transitions import ASYNC_SERVICE, KEEP_STATUS, STATUS_NAMES
from .handlers import Commands, Conflict, NotFound, claim_key
from .hostnames import Counters, country_name, iso3
from .idempotency import Receipt
from .references import Referrer
from .reports import Reports
from .validation import Invalid, ValidationFailed, convert, default_of

#: The form classes of action parameters, as the catalogue field that validates their value.
_KINDS = {"CharField": "string", "BooleanField": "bool", "URLField": "string", "DateField": "date",
          "IntegerField": "int", "ChoiceField": "choice", "ModelMultipleChoiceField": "m2m"}
log = logging.getLogger("ralph_es.transitions")
#: Ralph's refusal of a second asynchronous run on an object whose job has not ended.
ANOTHER_JOB = "Another async transition for this object is already started"
QUEUED, FINISHED, FAILED, STARTED, KILLED = 1, 2, 3, 4, 6


class TransitionNotFound(NotFound):
    """No transition of that id or name for the model."""


def models_with_transitions() -> list[Resource]:
    """Resources whose ``status`` has transitions."""
    return [r for r in CATALOG.values() if r.transitions]


def seed(commands: Commands) -> int:
    """Make the transition models and actions that do not exist yet (Ralph makes them after migrating).

    Returns the store position (nothing is appended when they all exist: one query).
    Processes starting together may race: the one that loses looks again.
    """
    models, actions = CATALOG["transitions-model"], CATALOG["transitions-action"]
    wanted = [(models, "content_type", r.content_type, {"field_name": "status"},
               {"content_type": r.content_type, "model": r.model_name}) for r in models_with_transitions()]
    wanted += [(actions, "name", name, {"name": name}, None)
               for name in sorted({name for per_model in ACTIONS.values() for name in per_model})]
    keys = [claim_key(res, (unique,), {unique: value}) for res, unique, value, _body, _fixed in wanted]
    for _ in range(2):
        try:
            return _make(commands, wanted, keys)
        except IntegrityError:  # another process made some of them meanwhile: look again
            continue
    return _make(commands, wanted, keys)


def _make(commands: Commands, wanted: list, keys: list[str]) -> int:
    if commands.claimed(keys):
        return commands.store.recorder.max_notification_id() or 0
    with commands.deferred():
        for res, unique, value, body, fixed in wanted:
            if commands.find(res.name, unique, value) is None:
                commands.create(res, body, None, fixed=fixed)
        return commands.flush()


def _status(res: Resource) -> Field:
    return res.get("status")


# running ------------------------------------------------------------------------
@dataclass
class Transition:
    """A configured transition, read from the store."""

    pk: int
    name: str
    model: Resource
    source: list[str]
    target: str
    actions: list[Action]
    asynchronous: bool
    service_name: str

    @property
    def ordered(self) -> list[Action]:
        """The actions in ``run_after`` order (requirements outside the transition are ignored)."""
        names = {a.name for a in self.actions}
        graph = TopologicalSorter({a.name: [r for r in a.run_after if r in names]
                                   for a in sorted(self.actions, key=lambda a: a.name)})
        by_name = {a.name: a for a in self.actions}
        return [by_name[n] for n in graph.static_order()]


def find_transition(commands: Commands, res: Resource, key: int | str) -> Transition:
    """The transition of ``res``'s model with id ``key`` (an int) or name ``key`` (:class:`TransitionNotFound`)."""
    model_pk = commands.find("transitions-model", "content_type", res.content_type)
    pk = key if isinstance(key, int) else commands.find_together("transitions", {"name": key, "model": model_pk})
    try:
        values = commands.load_values("transitions", pk) if pk is not None else None
    except Exception:  # noqa: BLE001 - gone meanwhile: not found
        values = None
    if values is None or model_pk is None or values["model"] != model_pk:
        raise TransitionNotFound(key)
    actions = [ACTIONS[res.name][commands.load_values("transitions-action", a)["name"]] for a in values["actions"]]
    return Transition(pk, values["name"], res, values["source"], values["target"], actions,
                      bool(values.get("run_asynchronously")) or any(a.asynchronous for a in actions),
                      values.get("async_service_name") or ASYNC_SERVICE)


def parameters(transition: Transition, obj: dict) -> dict[str, tuple[Action, Param]]:
    """The parameters a run of ``transition`` on the object with values ``obj`` asks for, by name."""
    out: dict[str, tuple[Action, Param]] = {}
    for action in transition.actions:
        for param in action.params:
            if param.condition and not CONDITIONS[param.condition](obj):
                continue
            out.setdefault(param.name, (action, param))
    return out


def param_field(param: Param) -> Field:
    """The catalogue field that validates a parameter's value."""
    kind = "fk" if param.target and param.form == "CharField" else _KINDS.get(param.form, "string")
    return Field(name=param.name, kind=kind, label=param.label, required=param.required, blank=False,
                 target=param.target, null=not param.required, choices=param.choices, max_length=param.max_length,
                 text_format="url" if param.form == "URLField" else "")


@dataclass(frozen=True)
class Options:
    """How runs behave in a deployment: the report templates, and whether Ralph's automatic hostnames are on
    (``RALPH_ES_BACK_OFFICE_ASSET_AUTO_ASSIGN_HOSTNAME``)."""

    reports: Reports = field(default_factory=Reports)
    auto_hostname: bool = False


@dataclass
class Run:
    """One object's run: its values as the actions leave them, and what the history entry records."""

    commands: Commands
    res: Resource
    pk: int
    before: dict
    params: dict
    actor: int | None
    batch: object
    options: Options
    counters: Counters
    transition: Transition
    values: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    files: list[int] = field(default_factory=list)
    #: set by a conversion: the resource the object becomes and its values there
    converted: tuple[Resource, dict] | None = None

    def get(self, name: str):
        """The object's value of ``name`` as the actions left it so far."""
        return self.values.get(name, self.before.get(name))

    def set(self, name: str, value) -> None:
        """Set a stored field (ignored when the model has no such field, as Ralph sets a plain attribute)."""
        if self.res.get(name) is not None and self.res.get(name).stored:
            self.values[name] = value


def _validate(transition: Transition, obj: dict, body: dict, commands: Commands) -> dict:
    """The parameters sent for a run, validated (DRF's 400 body otherwise)."""
    if not isinstance(body, dict):
        raise ValidationFailed({"non_field_errors": [
            f"Invalid data. Expected a dictionary, but got {type(body).__name__}."]})
    values, errors = {}, {}
    for name, (_action, param) in parameters(transition, obj).items():
        if name not in body:
            if param.required:
                errors[name] = ["This field is required."]
            continue
        try:
            values[name] = convert(param_field(param), body[name], commands)
        except Invalid as ex:
            errors[name] = ex.messages
    if errors:
        raise ValidationFailed(errors)
    return values


def _check(transition: Transition, objects: list[tuple[int, dict]], actor: int | None,
           commands: Commands | None = None) -> None:
    """Status in ``source``, every precondition and (given ``commands``) no job running on an object:
    one 400 with all messages."""
    messages = []
    for _pk, obj in objects:
        if _status(transition.model).choice_name(obj.get("status")) not in transition.source:
            messages.append("wrong source status")
    for action in transition.actions:
        if action.precondition:
            messages += [m for _pk, obj in objects if (m := PRECONDITIONS[action.precondition](obj, actor))]
    if commands is not None:
        messages += [ANOTHER_JOB for pk, _obj in objects
                     if commands.find("transitions-job", "running_on", _running_on(transition.model, pk))]
    if messages:
        raise ValidationFailed({"non_field_errors": messages})


@dataclass
class Outcome:
    """What a run stored: its store position, and the jobs of an asynchronous run (their UUIDs)."""

    transition: Transition
    position: int
    jobs: list[str]


def run(commands: Commands, res: Resource, pks: list[int], key: int | str, body: dict,
        actor: int | None, options: Options | None = None, receipt: Receipt | None = None) -> Outcome:
    """Run the transition ``key`` on the records ``pks`` of ``res`` as one command (with the request's idempotency
    ``receipt``, see :meth:`Commands.atomic`; its ``respond`` is given the jobs).

    An asynchronous transition is checked the same way, then stores one
    queued job per object instead (:func:`execute` runs it).
    """
    transition = find_transition(commands, res, key)

    def plan(batch):
        records = [commands.load(res, pk) for pk in pks]
        objects = [(r.pk, dict(r.values)) for r in records]
        params = _validate(transition, objects[0][1], body, commands)
        _check(transition, objects, actor, commands if transition.asynchronous else None)
        if transition.asynchronous:
            return [_add_job(commands, transition, r.pk, params, actor, batch) for r in records]
        counters, how = Counters(commands, actor, batch), options or Options()
        for record in records:
            _run_one(commands, transition, record, params, actor, batch, how, counters)
        return []

    jobs, position = commands.atomic(plan, receipt)
    return Outcome(transition, position, jobs)


def _running_on(res: Resource, pk: int) -> str:
    return f"{res.family}:{pk}"


def _add_job(commands: Commands, transition: Transition, pk: int, params: dict, actor, batch) -> str:
    key = uuid.uuid4().hex
    username = commands.load_values("users", actor)["username"] if actor is not None else None
    try:
        commands.add(CATALOG["transitions-job"], {
            "uuid": key, "username": username, "service_name": transition.service_name,
            "_dumped_params": json.dumps(params), "status": QUEUED, "object_id": str(pk),
            "transition": transition.pk, "running_on": _running_on(transition.model, pk), "requester": actor,
        }, actor, batch)
    except ValidationFailed:  # another job claimed the object meanwhile
        raise ValidationFailed({"non_field_errors": [ANOTHER_JOB]}) from None
    return key


def execute(commands: Commands, key: str, options: Options | None = None) -> int | None:
    """Run the queued job ``key`` (started, then finished or failed); its status, None when unknown.

    The run and the job's end are one save; a run refused now (the
    object changed since it was queued) fails the job and changes nothing else.
    """
    jobs = CATALOG["transitions-job"]
    pk = commands.find(jobs.name, "uuid", key)
    if pk is None:
        return None
    status = commands.load_values(jobs.name, pk)["status"]
    if status != QUEUED:
        return status
    mark(commands, pk, STARTED)

    def plan(batch):
        job = commands.load(jobs, pk)
        transition_values = commands.load_values("transitions", job.values["transition"])
        kind = commands.load_values("transitions-model", transition_values["model"])["content_type"]
        res = next(r for r in models_with_transitions() if r.content_type == kind)
        transition = find_transition(commands, res, job.values["transition"])
        record = commands.load(res, int(job.values["object_id"]))
        requester = job.values.get("requester")
        params = _validate(transition, dict(record.values), json.loads(job.values["_dumped_params"]), commands)
        _check(transition, [(record.pk, dict(record.values))], requester)
        _run_one(commands, transition, record, params, requester, batch, options or Options(),
                 Counters(commands, requester, batch))
        commands.change(jobs, job, {"status": FINISHED, "running_on": None}, None, batch)

    try:
        commands.atomic(plan)
    except (ValidationFailed, Conflict, NotFound) as ex:
        log.warning("transition job %s failed: %s", key, getattr(ex, "errors", ex))
        mark(commands, pk, FAILED)
        return FAILED
    return FINISHED


def mark(commands: Commands, pk: int, status: int) -> int:
    """Set job ``pk``'s status (an ended job frees its object); the store position."""
    jobs = CATALOG["transitions-job"]
    values = {"status": status} | ({} if status == STARTED else {"running_on": None})
    _result, position = commands.atomic(
        lambda batch: commands.change(jobs, commands.load(jobs, pk), values, None, batch))
    return position


def _run_one(commands: Commands, transition: Transition, record, params: dict, actor, batch, options: Options,
             counters: Counters) -> None:
    res = transition.model
    current = Run(commands, res, record.pk, dict(record.values), params, actor, batch, options, counters, transition)
    for action in transition.ordered:
        effect = EFFECTS.get(action.name)
        if effect is not None:
            effect(current)
    before = record.values.get("status")
    ran = {"id": transition.pk, "name": transition.name, "parameters": params}
    if current.converted is not None:  # the object is now one of another resource (its status set there)
        res, values = current.converted
        commands.convert(transition.model, record, res, values, actor, batch, ran)
    else:
        if transition.target != KEEP_STATUS:
            current.values["status"] = _target_value(res, transition)
        commands.change(res, record, current.values, actor, batch, ran)
    history = CATALOG["transitions-history"]
    commands.add(history, {
        "transition_name": transition.name,
        "source": _status_identifier(transition.model, before),
        "target": None if transition.target == KEEP_STATUS else _status_identifier(res, record.values["status"]),
        "object_id": record.pk,
        "kwargs": json.dumps(_history_kwargs(commands, transition, params, current.history)),
        "actions": json.dumps([a.verbose for a in sorted(transition.actions, key=lambda a: a.name)]),
        "logged_user": actor,
        "content_type": res.content_type,
        "files": current.files,
    }, actor, batch)


def _target_value(res: Resource, transition: Transition) -> int:
    return next(v for v, n in _status(res).choices if n == transition.target)


def _status_identifier(res: Resource, value) -> str | None:
    """The Python name of a status value (what Ralph's history rows hold)."""
    names = STATUS_NAMES[res.name]
    return names[value - 1] if isinstance(value, int) and 0 < value <= len(names) else None


class _Records:
    """Stored values of other records, for their ``str()`` in history entries."""

    def __init__(self, commands: Commands):
        self.commands = commands

    def state(self, resource: str, pk: int):
        try:
            record = self.commands.load(CATALOG[resource], pk)
        except NotFound:
            return None
        return CATALOG[record.resource], dict(record.values)


def _history_kwargs(commands: Commands, transition: Transition, params: dict, written: dict) -> dict:
    """Ralph's history ``kwargs``: each parameter under its label, records as their ``str()``."""
    records, out = _Records(commands), {}
    for action in sorted(transition.actions, key=lambda a: a.name):
        for param in action.params:
            if param.name not in params or not param.in_history:
                continue
            value = params[param.name]
            if param.target:
                shown = []
                for pk in value if isinstance(value, list) else [value]:
                    found = records.state(param.target, pk)
                    if found is not None:
                        shown.append(display(found[0], pk, found[1], records))
                value = ", ".join(shown) if isinstance(value, list) else (shown[0] if shown else None)
            elif param.choices:
                value = dict(param.choices).get(value)
            out[param.history or param.label] = value
    return out | written


# conditions, preconditions and effects ---------------------------------------------
CONDITIONS = {
    "has_owner": lambda obj: bool(obj.get("owner")),
}

PRECONDITIONS = {
    "requester_is_owner": lambda obj, actor: None if obj.get("owner") == actor else
    "requester is not an owner of the asset",
    "requester_is_user": lambda obj, actor: None if obj.get("user") == actor else
    "requester is not an user of the asset",
    "user_assigned": lambda obj, actor: None if obj.get("user") else "user not assigned",
}


def _set_param(name: str, param: str | None = None):
    """An effect that sets field ``name`` to the parameter ``param`` (default: the same name)."""
    return lambda run: run.set(name, run.params.get(param or name))


def _clear(name: str):
    return lambda run: run.set(name, None)


def _unassign(name: str):
    """Record who the field held (``affected_<name>``: Ralph's ``str()``, "None" when nobody), then clear it."""
    def effect(run: Run) -> None:
        pk = run.get(name)
        found = _Records(run.commands).state("users", pk) if pk is not None else None
        run.history[f"affected_{name}"] = display(found[0], pk, found[1], None) if found else "None"
        run.set(name, None)
    return effect


def _append(name: str, param: str):
    """Append the parameter to a text field on a new line (Ralph joins the two with one newline)."""
    return lambda run: run.set(name, f"{run.get(name) or ''}\n{run.params[param]}")


def _in_days(name: str, days: int):
    return lambda run: run.set(name, (dt.date.today() + dt.timedelta(days=days)).isoformat())


def _change_user_and_owner(run: Run) -> None:
    user = run.params["user"]
    run.set("user", user)
    run.set("owner", run.params.get("owner", user))
    run.set("location", run.commands.load_values("users", user).get("location"))


def _assign_licences(run: Run) -> None:
    """A base-object licence link (quantity 1) for every licence the object does not have yet."""
    links = CATALOG["base-objects-licences"]
    have = {run.commands.load_values(links.name, r.pk)["licence"] for r in _referrers(run, links.name)}
    for licence in run.params.get("licences") or []:
        if licence not in have:
            run.commands.add(links, {"licence": licence, "base_object": run.pk, "quantity": 1}, run.actor, run.batch,
                             clean=False)  # Ralph: get_or_create, no clean()


def _delete_referrers(resource: str):
    """Delete the ``resource`` records that point at the object (its licence links, its security scan)."""
    def effect(run: Run) -> None:
        for ref in _referrers(run, resource):
            run.commands.remove(CATALOG[resource], run.commands.load(CATALOG[resource], ref.pk), run.actor,
                                run.batch)
    return effect


def _referrers(run: Run, resource: str) -> list[Referrer]:
    return run.commands.store.references.referrers(run.res.family, run.pk, resource, "base_object")


def _report(name: str):
    """Render report ``name`` for the object (its values as the actions left them) and attach it to the history."""
    def effect(run: Run) -> None:
        records = _Records(run.commands)
        state = {**run.before, **run.values}

        def person(field_name):
            pk = state.get(field_name)
            found = records.state("users", pk) if pk is not None else None
            return display(found[0], pk, found[1], records) if found else None

        shown = [(f.verbose, _shown(run.res, f, state, records)) for f in run.res.stored_fields
                 if f.kind not in ("m2m", "tags", "json", "password", "permissions") and f.name in state]
        requester = records.state("users", run.actor) if run.actor is not None else None
        today = dt.date.today().isoformat()
        html = run.options.reports.render(name, {
            "title": name.replace("_", " ").capitalize(), "language": "en", "transition": run.transition.name,
            "date": today, "requester": requester and display(requester[0], run.actor, requester[1], records),
            "object": {"str": display(run.res, run.pk, state, records), "id": run.pk, "model": run.res.verbose,
                       "fields": shown},
            "user": person("user"), "owner": person("owner"),
            "signatures": ("Released by", "Received by") if name != "return_report" else ("Returned by",
                                                                                          "Received by")})
        attachment = run.commands.add(CATALOG["attachments"], {
            "original_filename": f"{name}_{run.pk}_{today}.html", "mime_type": "text/html", "content": html,
        }, run.actor, run.batch)
        run.files.append(attachment.pk)
    return effect


def _card_number_to_notes(run: Run) -> None:
    """The card number replaced by the parameter, the old one appended to the (admin-only) remarks."""
    run.set("remarks", f"{run.get('remarks')}\n{run.get('card_number')}")
    run.set("card_number", run.params["card number"])


def _hostname(run: Run, country: str | None, force: bool) -> None:
    """Ralph's hostname of a back-office asset whose model's category has a code: ``<country><code><counter>``,
    when ``force``d, when it has none, or when its region's country is not in it."""
    model = run.commands.load_values("assetmodels", run.get("model"))
    category = run.commands.load_values("categories", model["category"]) if model.get("category") else {}
    if not category.get("code"):
        return
    region = run.commands.load_values("regions", run.get("region"))
    own = iso3(region.get("country"))
    hostname = run.get("hostname")
    if not (force or not hostname or (own and own not in hostname)):
        return
    country = country or own
    if country is None:
        return  # the region's country is no state: there is no code to start the hostname with
    run.set("hostname", run.counters.issue(f"{country}{category['code']}".upper()))


def _change_hostname(run: Run) -> None:
    country = iso3(run.params["country"])
    if country is None:
        raise ValidationFailed({"country": [
            f"{country_name(run.params['country'])} has no ISO 3166 code to begin a hostname with."]})
    _hostname(run, country, force=True)


def _auto_hostname(run: Run) -> None:
    if run.options.auto_hostname:
        _hostname(run, None, force=False)


def _converted_status(run: Run, to: Resource) -> int:
    """Ralph's status of a converted asset: the one of the same name as the transition's target (the
    object's status when it keeps it), else the first ("new")."""
    value = run.get("status") if run.transition.target == KEEP_STATUS else _target_value(run.res, run.transition)
    name = STATUS_NAMES[run.res.name][value - 1]
    names = STATUS_NAMES[to.name]
    return names.index(name) + 1 if name in names else 1


def _convert(to: str, *params: str):
    """A conversion into ``to``: the fields both resources have are kept, ``params`` set, the rest defaults."""
    def effect(run: Run) -> None:
        target = CATALOG[to]
        state = {**run.before, **run.values}
        values = {f.name: default_of(f) for f in target.stored_fields}
        values |= {f.name: state[f.name] for f in target.stored_fields
                   if run.res.get(f.name) is not None and run.res.get(f.name).stored and f.name in state}
        values |= {name: run.params[name] for name in params} | {"status": _converted_status(run, target)}
        run.converted = (target, values)
    return effect


def _within(f: Field, value: int, param: str) -> int:
    """``value`` if field ``f`` may hold it (400 naming the parameter that took it out of range)."""
    if not f.min_value <= value <= f.max_value:
        raise ValidationFailed({param: [
            f"{f.verbose.capitalize()} would be {value}; it must stay between {f.min_value} and {f.max_value}."]})
    return value


def _stock(param: str, sign: int):
    """Accessories bought (``sign`` 1: restocked) or sent away (-1): the count of purchased items moved."""
    def effect(run: Run) -> None:
        count = run.res.get("number_bought")
        run.set(count.name, _within(count, run.get(count.name) + sign * run.params[param], param))
    return effect


def _release_accessories(run: Run) -> None:
    """``quantity`` more of the accessory given to ``user`` (their assignment made when they have none)."""
    users = CATALOG["accessory-stock-users"]
    quantity, field_ = run.params["quantity"], users.get("quantity")
    link, made = run.commands.add_or_load(users, {"accessory": run.pk, "user": run.params["user"]},
                                          {"quantity": quantity}, run.actor, run.batch)
    total = _within(field_, quantity if made else link.values["quantity"] + quantity, "quantity")  # else: no run
    if not made:
        run.commands.change(users, link, {"quantity": total}, run.actor, run.batch)


def _shown(res: Resource, f: Field, state: dict, records) -> object:
    """A field's value as a person reads it: choice names, related records' ``str()``."""
    value = state.get(f.name)
    if value is None:
        return None
    if f.kind == "choice":
        return f.choice_name(value)
    if f.kind == "fk" and f.target in CATALOG:
        found = records.state(f.target, value)
        return display(found[0], value, found[1], records) if found else value
    return value


EFFECTS = {
    "accessory_send": _stock("accessory_send", -1),
    "add_notes": _append("notes", "notes"),
    "add_remarks": _append("remarks", "remarks"),
    "assign_configuration_path": _set_param("configuration_path"),
    "assign_licence": _assign_licences,
    "assign_loan_end_date": _set_param("loan_end_date"),
    "assign_office_infrastructure": _set_param("office_infrastructure"),
    "assign_owner": _set_param("owner"),
    "assign_requester_as_an_owner": lambda run: run.set("owner", run.actor),
    "assign_service_env": _set_param("service_env"),
    "assign_task_url": _set_param("task_url"),
    "assign_user": _set_param("user"),
    "assign_warehouse": _set_param("warehouse"),
    "assign_hostname_if_empty_or_country_not_match": _auto_hostname,
    "card_number_to_notes": _card_number_to_notes,
    "change_hostname": _change_hostname,
    "convert_to_backoffice_asset": _convert("back-office-assets", "warehouse", "region"),
    "convert_to_data_center_asset": _convert("data-center-assets", "rack", "position", "model", "service_env"),
    "change_pin_and_puk": lambda run: (run.set("pin1", run.params["pin1"]), run.set("puk1", run.params["puk1"])),
    "change_rack": _set_param("rack"),
    "change_user_and_owner": _change_user_and_owner,
    "cleanup_scm_statuscheck": _delete_referrers("scm-info"),
    "cleanup_security_scans": _delete_referrers("security-scans"),
    "clear_access_zones": lambda run: run.set("access_zones", []),
    "hardware_replacement": _in_days("loan_end_date", 10),
    "loan_report": _report("loan_report"),
    "release_report": _report("release_report"),
    "return_report": _report("return_report"),
    "last_status": lambda run: run.set("last_status_change", dt.date.today().isoformat()),
    "quarantine_date": _in_days("quarantine_until", 90),
    "release_accessories": _release_accessories,
    "restock": _stock("restock", 1),
    "unassign_licences": _delete_referrers("base-objects-licences"),
    "unassign_loan_end_date": _clear("loan_end_date"),
    "unassign_owner": _unassign("owner"),
    "unassign_user": _unassign("user"),
}
