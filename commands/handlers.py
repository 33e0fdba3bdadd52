"""Command handlers: validate a write, then append its events atomically."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dc_field

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from .catalog import CATALOG, Resource, family_members, in_catalog
from .catalog.migrations import first_field_name, first_resource_name
from .effects import run_effects
from .hooks import run_delete_hooks, run_hooks, run_prepare_hooks
from .idempotency import Receipt
from .ids import IdAllocator
from .references import ReferenceConflict
from .regions import Restricted, sees
from .store import Claim, RalphStore, Record, claim_id, record_id
from .validation import ValidationFailed, clean, naive_iso

RETRIES = 5
#: PostgreSQL errors of a lost race, worth another attempt (deadlock detected, serialization failure).
RACES = ("40P01", "40001")
#: Records read or written by deferred writes, kept across flushes (dropped when full).
SAVED_CACHE = 20_000


class NotFound(Exception):
    """No such record."""


class Conflict(Exception):
    """The write contradicts other records (e.g. a protected reference)."""

    def __init__(self, detail: str, referenced_by: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.referenced_by = referenced_by or {}


@dataclass
class Written:
    """Outcome of a write: the record as stored and the store position."""

    pk: int
    values: dict
    created: str
    modified: str
    position: int


class PreconditionFailed(Exception):
    """``If-Match``: the record is at another version than the client's (``current``)."""

    def __init__(self, current: int):
        super().__init__(current)
        self.current = current


@dataclass
class _Batch:
    aggregates: list = dc_field(default_factory=list)

    def add(self, *aggs):
        for agg in aggs:
            if agg not in self.aggregates:
                self.aggregates.append(agg)


def claim_key(res: Resource, names: tuple[str, ...], values: dict, scope: str | None = None) -> str | None:
    """The claim key for a unique field set, or None when a value is empty.

    Keyed by the names the fields were first stored under, so a renamed field keeps its claims, within
    ``scope`` (default: a single field's ``unique_scope``, else the resource's id family).
    """
    vals = [values.get(n) for n in names]
    if any(v is None for v in vals):
        return None
    if scope is None:
        f = res.get(names[0]) if len(names) == 1 else None
        scope = (f.unique_scope if f is not None else "") or res.family
    stored = "+".join(first_field_name(res.name, n) for n in names)
    return f"{scope}:{stored}:{json.dumps(vals, sort_keys=True)}"


def claim_owner(res: Resource, pk: int) -> str:
    """Who holds a claim: the record, by the name its resource was first stored under."""
    return f"{first_resource_name(res.name)}:{pk}"


class Commands:
    """The write API: create, update and delete records of any resource."""

    def __init__(self, store: RalphStore, ids: IdAllocator):
        self.store = store
        self.ids = ids
        self._deferred: dict | None = None
        self._saved: dict = {}
        self._id_pool: dict[str, list[int]] = {}
        #: Per thread, the stored events the running command attempt has read ahead (:meth:`prefetch`).
        self._attempt = threading.local()

    def _get(self, aggregate_id):
        """An aggregate, seeing writes deferred by :meth:`deferred` first (and caching reads then), or what the
        command attempt has :meth:`prefetch`-ed."""
        if self._deferred is None:
            fetched = getattr(self._attempt, "fetched", None)
            if fetched is not None and aggregate_id in fetched:
                return self.store.aggregate(aggregate_id, fetched[aggregate_id])
            return self.store.repository.get(aggregate_id)
        if aggregate_id not in self._deferred:
            saved = self._saved.pop(aggregate_id, None)
            self._deferred[aggregate_id] = saved or self.store.repository.get(aggregate_id)
        return self._deferred[aggregate_id]

    @contextmanager
    def deferred(self):
        """Collect the events of many creates and append them together on :meth:`flush`.

        Uniqueness is checked optimistically: a value claimed elsewhere
        is not looked up but makes the whole :meth:`flush` fail atomically
        (``RecordConflictError``), so the caller can replay one by one.
        Records (not claims) stay cached across flushes, up to
        :data:`SAVED_CACHE` of them, so the targets an import references
        again and again (models, racks) are read from the store once.
        """
        self._deferred = {}
        try:
            yield self
        finally:
            self._deferred = None
            self._saved.clear()
            self._id_pool.clear()

    def prefetch(self, ids) -> None:
        """Read the aggregates of ``ids`` that the running command attempt has not read yet, in one query; its
        reads of them then come from there. (Outside a command, or deferred, nothing happens.)"""
        fetched = getattr(self._attempt, "fetched", None)
        if fetched is None or self._deferred is not None:
            return
        missing = [i for i in dict.fromkeys(ids) if i not in fetched]
        if missing:
            fetched.update(self.store.events_of(missing))

    @staticmethod
    def _named(res: Resource, body: dict):
        """The aggregate ids of the records ``body`` names by id in its foreign keys and many-to-many lists."""
        for f in res.writable_fields:
            if f.kind not in ("fk", "m2m") or f.name not in body or f.target not in CATALOG:
                continue
            raw = body[f.name]
            for value in raw if isinstance(raw, list) else (raw,):
                if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
                    value = int(value)
                if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
                    yield record_id(CATALOG[f.target].family, value)

    def discard(self) -> None:
        """Drop the deferred writes that were not appended (and the cache, which may be stale)."""
        self._deferred.clear()
        self._saved.clear()

    @contextmanager
    def immediate(self):
        """Inside :meth:`deferred`, append each write at once (and check uniqueness first)."""
        saved, self._deferred = self._deferred, None
        try:
            yield self
        finally:
            self._deferred = saved

    def _next_id(self, family: str) -> int:
        """A new id; deferred writes draw from blocks of 1000 to save round trips."""
        if self._deferred is None:
            return self.ids.allocate(family)[0]
        pool = self._id_pool.setdefault(family, [])
        if not pool:
            pool.extend(reversed(self.ids.allocate(family, 1000)))
        return pool.pop()

    def flush(self) -> int:
        """Append every deferred event in one transaction; returns the store position."""
        aggregates = list(self._deferred.values())
        self._deferred.clear()
        recordings = self.store.save(*aggregates) if aggregates else []
        if len(self._saved) > SAVED_CACHE:
            self._saved.clear()
        self._saved.update((agg.id, agg) for agg in aggregates if isinstance(agg, Record))
        return recordings[-1].notification.id if recordings else self.store.recorder.max_notification_id() or 0

    # references -------------------------------------------------------
    def load(self, res: Resource, pk: int) -> Record:
        """The live record ``pk`` of ``res`` (NotFound otherwise)."""
        try:
            agg = self._get(record_id(res.family, pk))
        except AggregateNotFoundError:
            raise NotFound(pk) from None
        if agg.deleted or not (res.polymorphic or agg.resource == res.name):
            raise NotFound(pk)
        return agg

    def referenced(self, res: Resource, pk: int) -> Record:
        """A record the command refers to (validated as live); its deletion meanwhile retries the command."""
        try:
            return self.load(res, pk)
        except NotFound:
            raise ReferenceConflict(f"{res.name} {pk} was deleted during the command") from None

    def load_values(self, resource: str, pk: int) -> dict:
        """The stored values of a record the command refers to (see :meth:`referenced`)."""
        return dict(self.referenced(CATALOG[resource], pk).values)

    def exists(self, resource: str, pk: int, regions: frozenset[int] | None = None) -> bool:
        """True when ``pk`` is a live record of ``resource`` (its deletion meanwhile fails the append) that a user
        restricted to ``regions`` sees (:mod:`commands.regions`)."""
        if not in_catalog(resource) or not family_members(resource):
            return False
        try:
            record = self.load(CATALOG[resource], pk)
        except NotFound:
            return False
        return sees(regions, CATALOG[resource], pk, record.values)

    def find(self, resource: str, field: str, value) -> int | None:
        """The id of the ``resource`` record whose unique ``field`` equals ``value``."""
        return self.find_together(resource, {field: value}) if in_catalog(resource) else None

    def find_together(self, resource: str, values: dict) -> int | None:
        """The id of the ``resource`` record whose unique-together fields have ``values`` (in declared order)."""
        res = CATALOG[resource]
        claim = self._claim(claim_key(res, tuple(values), values))
        if claim is None or not claim.owner:
            return None
        pk = int(claim.owner.rsplit(":", 1)[1])
        return pk if self.exists(resource, pk) else None

    def claimed(self, keys: list[str]) -> bool:
        """True when every one of ``keys`` has been claimed once (one query, whoever holds it now)."""
        events = self.store.recorder.events_record_cls.__table__
        ids = [claim_id(key) for key in keys]
        with self.store.recorder.datastore.engine.connect() as conn:
            found = conn.execute(select(events.c.originator_id).where(events.c.originator_id.in_(ids),
                                                                      events.c.originator_version == 1)).all()
        return len(found) == len(ids)

    def take_claims(self, owners: dict[str, str], release: dict[str, str] | None = None) -> int:
        """Give each key nobody holds to its owner (``{key: owner}``) and free the ``release`` keys their owner
        still holds, in one append; how many keys it gave."""
        def attempt():
            batch = _Batch()
            for key, owner in owners.items():
                claim = self._claim(key)
                if claim is None:
                    batch.add(Claim(key, owner))
                elif not claim.owner:
                    claim.take(owner)
                    batch.add(claim)
            given = len(batch.aggregates)
            for key, owner in (release or {}).items():
                claim = self._claim(key)
                if claim is not None and claim.owner == owner:
                    claim.release()
                    batch.add(claim)
            self._save(batch)
            return given
        return self._retry(attempt)

    def _claim(self, key: str | None, optimistic: bool = False, batch: _Batch | None = None) -> Claim | None:
        """The claim on ``key`` (as ``batch`` leaves it, when it holds it); ``optimistic`` (deferred writes) trusts
        unknown keys to be free."""
        if key is None:
            return None
        for agg in batch.aggregates if batch is not None else ():
            if isinstance(agg, Claim) and agg.id == claim_id(key):
                return agg
        if optimistic and self._deferred is not None and claim_id(key) not in self._deferred:
            return None
        try:
            return self._get(claim_id(key))
        except AggregateNotFoundError:
            return None

    # claims -------------------------------------------------------------
    def _unique_sets(self, res: Resource):
        for f in res.stored_fields:
            if f.unique:
                yield (f.name,)
        yield from res.unique_together

    @staticmethod
    def _unique_error(res: Resource, names: tuple[str, ...]) -> tuple[str, str]:
        """Where and how Ralph reports a uniqueness violation."""
        if len(names) == 1:
            f = res.get(names[0])
            model = f.declared_on or res.verbose
            return names[0], f.unique_message or f"{model} with this {f.verbose} already exists."
        return res.unique_error or ("non_field_errors", f"The fields {', '.join(names)} must make a unique set.")

    def _keys(self, res: Resource, values: dict) -> dict[str, tuple[str, ...]]:
        """The claim keys of a record's unique values (and the field names of each)."""
        return {key: names for names in self._unique_sets(res) if (key := claim_key(res, names, values))}

    def _claims(self, res: Resource, pk: int, old: dict, new: dict, batch: _Batch,
                was: Resource | None = None) -> None:
        """Take claims for changed unique values (400 when held by another record), release the dropped ones.

        ``was`` is the resource the record is converted from (its claims pass to the new resource).
        """
        was = was or res
        before, owner = claim_owner(was, pk), claim_owner(res, pk)
        old_keys, new_keys = self._keys(was, old), self._keys(res, new)
        self.prefetch([claim_id(key) for key in new_keys if key not in old_keys or before != owner]
                      + [claim_id(key) for key in old_keys.keys() - new_keys.keys()])
        errors = {}
        for key, names in new_keys.items():
            if key in old_keys and before == owner:
                continue
            claim = self._claim(key, optimistic=True, batch=batch)
            if claim is None:
                batch.add(Claim(key, owner))
            elif claim.owner and claim.owner not in (owner, before):
                field_name, message = self._unique_error(res, names)
                errors[field_name] = [message]
            else:
                claim.take(owner)
                batch.add(claim)
        for key in old_keys.keys() - new_keys.keys():
            claim = self._claim(key, batch=batch)
            if claim is not None and claim.owner == before:
                claim.release()
                batch.add(claim)
        if errors:  # DRF: a field's UniqueValidator error hides the serializer's unique-together checks
            single = {name: messages for name, messages in errors.items() if res.get(name) is not None}
            sent = {name: messages for name, messages in single.items() if res.get(name).writable}
            raise ValidationFailed(sent or single or errors)  # a value computed from a sent one: only the sent

    # commands -----------------------------------------------------------
    # Each takes an optional ``receipt``, the request's idempotency key, saved with the command's events
    # (:meth:`_seal`), and the ``regions`` of a user who sees only their records (:mod:`commands.regions`):
    # for that user, other records of restricted resources are missing (NotFound, or ``Invalid pk`` when named).
    def create(self, res: Resource, body: dict, actor: int | None, fixed: dict | None = None,
               receipt: Receipt | None = None, *, regions: frozenset[int] | None = None) -> Written:
        """POST: validate ``body`` and append the Created event(s); ``fixed`` values are set as given."""
        return self._retry(lambda: self._create(res, body, actor, fixed, receipt, regions))

    def update(self, res: Resource, pk: int, body: dict, actor: int | None, partial: bool,
               expected: set[int] | None = None, receipt: Receipt | None = None, *,
               regions: frozenset[int] | None = None) -> Written:
        """PUT/PATCH: validate the sent fields and append an Updated event (only on a version in ``expected``,
        when given: :class:`PreconditionFailed` otherwise, also when another write wins the race)."""
        return self._retry(lambda: self._update(res, pk, body, actor, partial, expected, receipt, regions))

    def delete(self, res: Resource, pk: int, actor: int | None, expected: set[int] | None = None,
               receipt: Receipt | None = None, *, regions: frozenset[int] | None = None, force: bool = False) -> int:
        """DELETE: 409 when protected, or in use and not ``force`` (``Resource.in_use``); cascades where Ralph
        cascades (only on a version in ``expected``)."""
        return self._retry(lambda: self._delete(res, pk, actor, expected, receipt, regions, force))

    def _expect(self, res: Resource, pk: int, expected: set[int] | None,
                regions: frozenset[int] | None = None) -> Record:
        record = self.load(res, pk)
        if not sees(regions, res, pk, record.values):
            raise NotFound(pk)
        if expected is not None and record.version not in expected:
            raise PreconditionFailed(record.version)
        return record

    def _retry(self, attempt):
        """Run a command, again on a lost race (deferred imports: the caller replays one by one).

        A race is a version conflict, a reference the append found deleted
        meanwhile (or a deletion it found referenced), or a deadlock PostgreSQL broke.
        """
        if self._deferred is not None:
            return attempt()
        for n in range(RETRIES):
            self._attempt.fetched = {}  # each attempt reads afresh
            try:
                return attempt()
            except (RecordConflictError, OperationalError) as ex:
                retryable = isinstance(ex, RecordConflictError) or getattr(ex.orig, "sqlstate", None) in RACES
                if not retryable or n == RETRIES - 1:
                    raise
            finally:
                self._attempt.fetched = None
        raise AssertionError("unreachable")

    def _seal(self, receipt: Receipt | None):
        """Check ``receipt``'s key as a command starts (``Replay`` or ``KeyReused`` when used already); returns
        what then adds the key, with the answer to the command's result, to its batch (None without a receipt)."""
        if receipt is None:
            return None
        assert self._deferred is None, "deferred writes take no receipt"
        found = receipt.check(self.store)
        return lambda batch, result: batch.add(receipt.stamp(found, result))

    def _save(self, batch: _Batch, seal=None, result=None) -> int:
        """Append ``batch`` (then, last, the key ``seal`` adds for ``result``: the position is its own); the store
        position (the head when there is nothing to append)."""
        if seal is not None:
            seal(batch, result)
        if self._deferred is not None:
            self._deferred.update((agg.id, agg) for agg in batch.aggregates)
            return 0
        recordings = self.store.save(*batch.aggregates) if batch.aggregates else []
        return recordings[-1].notification.id if recordings else self.store.recorder.max_notification_id() or 0

    def _refs(self, regions: frozenset[int] | None):
        """What a write may name: every live record, or those a user restricted to ``regions`` sees."""
        return self if regions is None else Restricted(self, regions)

    def _create(self, res: Resource, body: dict, actor, fixed: dict | None = None,
                receipt: Receipt | None = None, regions: frozenset[int] | None = None) -> Written:
        seal = self._seal(receipt)
        body = run_prepare_hooks(self, res, body, None)
        if isinstance(body, dict):
            self.prefetch(self._named(res, body))
        values = clean(res, body, self._refs(regions), current=None, partial=False) | (fixed or {})
        batch = _Batch()
        if res.replace_on_create and (old := self.find(res.name, res.replace_on_create,
                                                       values[res.replace_on_create])) is not None:
            self.remove(res, self.load(res, old), actor, batch)
        record = self.add(res, values, actor, batch)
        return self._written(record, batch, seal)

    def _update(self, res: Resource, pk: int, body: dict, actor, partial: bool,
                expected: set[int] | None = None, receipt: Receipt | None = None,
                regions: frozenset[int] | None = None) -> Written:
        seal = self._seal(receipt)
        self.prefetch([record_id(res.family, pk), *(self._named(res, body) if isinstance(body, dict) else ())])
        record = self._expect(res, pk, expected, regions)
        body = run_prepare_hooks(self, res, body, record.values)
        values = clean(res, body, self._refs(regions), current=record.values, partial=partial)
        batch = _Batch()
        self.change(res, record, values, actor, batch)
        return self._written(record, batch, seal)

    def _written(self, record: Record, batch: _Batch, seal) -> Written:
        """Save ``batch``; the record as written there."""
        written = Written(record.pk, dict(record.values), naive_iso(record.created_on),
                          naive_iso(record.modified_on), position=0)
        written.position = self._save(batch, seal, written)
        return written

    def add(self, res: Resource, values: dict, actor, batch: _Batch, clean: bool = True) -> Record:
        """Plan the creation of a record with validated ``values`` (write rules and claims applied; the model's
        ``clean()`` rules unless not ``clean``, as a transition's action saves)."""
        pk = self._next_id(res.family)
        values = values | run_hooks(self, res, pk, values, None, clean=clean)
        values = values | run_effects(self, res, pk, values, None, actor, batch)
        self._claims(res, pk, {}, values, batch)
        record = Record(res.name, pk, values, actor)
        batch.add(record)
        self._sync_through(res, pk, [], values, actor, batch)
        return record

    def change(self, res: Resource, record: Record, values: dict, actor, batch: _Batch,
               transition: dict | None = None, hooks: bool = True) -> None:
        """Plan setting validated ``values`` on ``record`` (write rules and claims applied); given the
        ``transition`` run that sets them, its event is stored even when nothing changes. ``hooks=False``
        stores the values as given (a re-hashed password keeps the user's API key)."""
        pk = record.pk
        if hooks:
            values = values | run_hooks(self, res, pk, {**record.values, **values}, record.values,
                                        clean=transition is None)
            values = values | run_effects(self, res, pk, values, record.values, actor, batch)
        changes = {k: [record.values.get(k), v] for k, v in values.items() if record.values.get(k) != v}
        if res.tree and "parent" in changes:
            self._check_tree_move(res, pk, changes["parent"][1])
        self._claims(res, pk, record.values, {**record.values, **values}, batch)
        if changes:
            for f in res.stored_fields:
                if f.through and f.name in changes:
                    self._sync_through(res, pk, changes[f.name][0] or [], values, actor, batch)
        if transition is not None:
            record.transition(changes, actor, transition)
            batch.add(record)
        elif changes:
            record.update(changes, actor)
            batch.add(record)
        if hooks:
            self._propagate(res, pk, changes, actor, batch)

    def _propagate(self, res: Resource, pk: int, changes: dict, actor, batch: _Batch) -> None:
        """Set the changed values ``res.propagate`` names on the records that point at this one."""
        for child_res, via, names in res.propagate:
            moved = {name: changes[name][1] for name in names if name in changes}
            if not moved:
                continue
            for ref in self.store.references.referrers(res.family, pk, child_res, via):
                child = self.pending(batch, CATALOG[child_res], ref.pk)
                if child is not None and not child.deleted:
                    self.change(CATALOG[child_res], child, moved, actor, batch, hooks=False)

    def convert(self, res: Resource, record: Record, to: Resource, values: dict, actor, batch: _Batch,
                transition: dict | None = None) -> None:
        """Plan turning ``record`` of ``res`` into a record of ``to`` (same id space and id) with ``values``:
        Ralph's conversions between back-office and data-center assets (neither has M2M through fields).

        What points at the record keeps pointing at it, and its custom field
        values follow it; a reference that only the old resource may have
        (a data-center asset's connections, a cloud host's hypervisor) is a 409.
        """
        assert res.family == to.family, (res.name, to.name)
        typed: dict[str, list[int]] = {}
        for ref in self.store.references.referrers(res.family, record.pk):
            owner = CATALOG[ref.resource]
            if owner.get(ref.field).target == res.name:
                typed.setdefault(ref.resource, []).append(ref.pk)
            elif ref.resource == "customfieldvalues":
                value = self.pending(batch, owner, ref.pk)
                if value is None:
                    raise ReferenceConflict(f"custom field value {ref.pk} was deleted during the command")
                value.update({"object_resource": [value.values.get("object_resource"), to.name]}, actor)
                batch.add(value)
        if typed:
            names = ", ".join(f"{CATALOG[n].verbose} {sorted(ids)}" for n, ids in sorted(typed.items()))
            raise Conflict(f"Cannot convert {res.verbose} {record.pk}: it is referenced by {names}.",
                           {n: sorted(ids) for n, ids in typed.items()})
        values = values | run_hooks(self, to, record.pk, values, None)
        self._claims(to, record.pk, record.values, values, batch, was=res)
        record.convert(to.name, values, actor, transition)
        batch.add(record)

    def add_or_load(self, res: Resource, together: dict, values: dict, actor, batch: _Batch) -> tuple[Record, bool]:
        """The record of ``res`` whose unique-together fields hold ``together`` (False), or a new one with
        ``together | values`` planned in ``batch`` (True). One made by another command between the lookup and
        the claim makes the command run again (:meth:`atomic` retries), so it then finds that one."""
        pk = self.find_together(res.name, together)
        if pk is not None:
            return self.load(res, pk), False
        try:
            return self.add(res, together | values, actor, batch), True
        except ValidationFailed as ex:
            if not any(key in ex.errors for key in (*together, self._unique_error(res, tuple(together))[0])):
                raise
            raise RecordConflictError(f"{res.name} {together} made meanwhile") from None

    def atomic(self, plan: Callable[[_Batch], object], receipt: Receipt | None = None) -> tuple[object, int]:
        """Run ``plan`` (which adds to a batch with :meth:`add`, :meth:`change`, :meth:`remove`) and append its
        events in one save: (what ``plan`` returned, store position). Runs again on a lost race."""
        def attempt():
            seal = self._seal(receipt)
            batch = _Batch()
            result = plan(batch)
            return result, self._save(batch, seal, result)
        return self._retry(attempt)

    def _check_tree_move(self, res: Resource, pk: int, parent: int | None) -> None:
        """MPTT's rule: a node may not move under itself or its descendants."""
        if parent == pk:
            raise ValidationFailed({"parent": ["A node may not be made a child of itself."]})
        while parent is not None:
            parent = self.referenced(res, parent).values.get("parent")
            if parent == pk:
                raise ValidationFailed({"parent": ["A node may not be made a child of any of its descendants."]})

    def _delete(self, res: Resource, pk: int, actor, expected: set[int] | None = None,
                receipt: Receipt | None = None, regions: frozenset[int] | None = None, force: bool = False) -> int:
        seal = self._seal(receipt)
        batch = _Batch()
        record = self._expect(res, pk, expected, regions)
        if res.in_use and not force:
            users, message = res.in_use
            if any(ref.resource in users for ref in self.store.references.referrers(res.family, pk)):
                raise Conflict(message)
        self.remove(res, record, actor, batch)
        return self._save(batch, seal)

    def remove(self, res: Resource, record: Record, actor, batch: _Batch) -> None:
        """Plan the deletion of ``record`` with its cascades and clean-ups (409 when protected)."""
        self._plan_delete(res, record, actor, batch, set())

    def _plan_delete(self, res: Resource, record: Record, actor, batch: _Batch, seen: set) -> None:
        """Add the Deleted event, cascades and M2M clean-ups of one record."""
        seen.add((res.name, record.pk))
        run_delete_hooks(self, res, record.pk, record.values)
        protected: dict[str, list[int]] = {}
        for ref in self.store.references.referrers(res.family, record.pk):
            if (ref.resource, ref.pk) in seen:
                continue
            owner = CATALOG[ref.resource]
            f = owner.get(ref.field)
            if f.kind == "m2m":
                other = self.pending(batch, owner, ref.pk)
                if other is not None and not other.deleted:
                    kept = [i for i in other.values.get(f.name) or [] if i != record.pk]
                    other.update({f.name: [other.values.get(f.name), kept]}, actor)
                    batch.add(other)
            elif f.on_delete == "cascade":
                self._plan_delete(owner, self.pending(batch, owner, ref.pk), actor, batch, seen)
            elif f.on_delete == "set_null":
                other = self.pending(batch, owner, ref.pk)
                if other is not None and not other.deleted and other.values.get(f.name) == record.pk:
                    other.update({f.name: [record.pk, None]}, actor)
                    batch.add(other)
            else:
                protected.setdefault(ref.resource, []).append(ref.pk)
        if protected:
            names = ", ".join(f"{CATALOG[n].verbose} {sorted(ids)}" for n, ids in sorted(protected.items()))
            raise Conflict(f"Cannot delete {res.verbose} {record.pk}: it is referenced by {names}.",
                           {n: sorted(ids) for n, ids in protected.items()})
        self._claims(res, record.pk, record.values, {}, batch)
        self._unlink_through(res, record, actor, batch, seen)
        record.delete(dict(record.values), actor)
        batch.add(record)

    def _unlink_through(self, link: Resource, record: Record, actor, batch: _Batch, seen: set) -> None:
        """Drop a deleted link record from its owner's M2M list (e.g. a service's environments)."""
        for owner in CATALOG.values():
            for f in owner.stored_fields:
                if f.through != link.name:
                    continue
                mine, theirs = self._through_keys(owner, f)
                owner_pk = record.values.get(mine)
                if (owner.name, owner_pk) in seen:
                    continue
                other = self.pending(batch, owner, owner_pk)
                current = other.values.get(f.name) or [] if other is not None else []
                if other is not None and record.values.get(theirs) in current:
                    kept = [i for i in current if i != record.values.get(theirs)]
                    other.update({f.name: [current, kept]}, actor)
                    batch.add(other)

    @staticmethod
    def _through_keys(owner: Resource, f) -> tuple[str, str]:
        """The link resource's fields pointing at the owner and at the target."""
        link = CATALOG[f.through]
        mine = next(g.name for g in link.stored_fields if g.kind == "fk" and g.target == owner.name)
        theirs = next(g.name for g in link.stored_fields if g.kind == "fk" and g.target == f.target)
        return mine, theirs

    def pending(self, batch: _Batch, res: Resource, pk: int) -> Record | None:
        """Record ``pk`` of ``res`` as planned in ``batch``, else as stored (None when there is none)."""
        for agg in batch.aggregates:
            if isinstance(agg, Record) and agg.id == record_id(res.family, pk):
                return agg
        try:
            return self.load(res, pk)
        except NotFound:
            return None

    def _sync_through(self, res: Resource, pk: int, old_ids: list, values: dict, actor, batch: _Batch) -> None:
        """Create/delete the link records of M2M fields that go through a resource."""
        for f in res.stored_fields:
            if not f.through or f.name not in values:
                continue
            link = CATALOG[f.through]
            mine, theirs = self._through_keys(res, f)
            new_ids = values[f.name] or []
            for target in [i for i in new_ids if i not in old_ids]:
                link_values = {g.name: None for g in link.stored_fields} | {mine: pk, theirs: target}
                link_values |= {g.name: g.default for g in link.stored_fields if g.default is not None}
                link_pk = self._next_id(link.family)
                batch.add(Record(link.name, link_pk, link_values, actor))
            for target in [i for i in old_ids if i not in new_ids]:
                link_pk = self.find_link(link, mine, pk, theirs, target)
                if link_pk is not None:
                    self._plan_delete(link, self.load(link, link_pk), actor, batch, {(res.name, pk)})

    def find_link(self, link: Resource, mine: str, pk: int, theirs: str, target: int) -> int | None:
        """The link record joining ``pk`` and ``target`` (from the owner's referrers)."""
        for ref in self.store.references.referrers(CATALOG[link.get(mine).target].family, pk):
            if ref.resource == link.name and ref.field == mine:
                other = self.referenced(link, ref.pk)
                if other.values.get(theirs) == target:
                    return ref.pk
        return None
