"""Composition root: builds the store, read model, projector and commands."""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import logging
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import msgspec
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool
from sqlalchemy.engine import Engine

from commands.catalog import CATALOG, Resource
from commands.backfill import backfill_claims
from commands.config import Settings
from commands.handlers import Commands
from commands.idempotency import InFlight, Receipt
from commands.principals import Principals
from commands.reports import Reports
from commands.transitions import KILLED, QUEUED, STARTED, Options, Outcome, execute, mark, run, seed
from commands.validation import naive_iso
from commands.ids import IdAllocator
from commands.store import SQLITE_BUSY_MS, UNAVAILABLE, open_store, ping_when_idle
from projections.filters import compile_regex
from projections.generations import tidy
from projections.projector import Projector
from projections.queries import ReadModel
from .wakeups import Projected
from projections.tables import default_schema


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str):
    return compile_regex(pattern)


def _regexp(pattern: str, value) -> bool:
    """SQLite's REGEXP operator with RE2 (linear time); PostgreSQL has ``~`` built in."""
    return value is not None and _pattern(pattern).search(str(value)) is not None


#: Seconds to wait for a PostgreSQL connection before the database counts as unavailable.
CONNECT_TIMEOUT = 5


def make_engine(url: str, writer: bool = False, statement_timeout: float = 0) -> Engine:
    """An engine for the read side; SQLite writers take the write lock up front.

    PostgreSQL readers cancel a statement after ``statement_timeout`` seconds (0: never) and run each statement
    on its own (autocommit: no ``BEGIN``/``ROLLBACK`` round trips; under READ COMMITTED every statement had its
    own snapshot anyway).
    """
    if not url.startswith("sqlite"):
        psycopg = "+psycopg" in url
        connect_args = {"connect_timeout": CONNECT_TIMEOUT} if psycopg else {}
        if psycopg and not writer:
            connect_args |= {"options": f"-c statement_timeout={int(statement_timeout * 1000)}"}
        engine = create_engine(url, connect_args=connect_args,
                               **({} if writer else {"isolation_level": "AUTOCOMMIT"}))
        ping_when_idle(engine)
        if psycopg and not writer:
            event.listen(engine, "do_execute", _read)
        return engine
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        dbapi_conn.create_function("regexp", 2, _regexp, deterministic=True)
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def _read(cursor, statement, parameters, context):
    """How a reader runs a statement, from its execution options: ``binary=True`` has the results sent in
    PostgreSQL's binary format (documents, ``bytea``, arrive as stored, not hex-encoded at twice their size);
    ``prepare=True`` prepares it on the server (a look-up by key, whose generic plan is the custom one: it is then
    neither parsed nor planned again). Any other is planned for its own values (a generic plan cannot use an
    index for ``LIKE 'prefix%'``)."""
    options = context.execution_options if context is not None else {}
    cursor.execute(statement, parameters, prepare=bool(options.get("prepare")), binary=bool(options.get("binary")))
    return True


class InlineDispatcher:
    """Embedded mode: the writer projects its own events before answering.

    The deferred renders of a rename (:meth:`Projector.render_pending`) are
    worked off by one writer of the process at a time, a chunk per
    transaction, pausing after each as long as it took: SQLite's write lock
    is taken by whoever retries first, and the other writers (whose busy
    handlers sleep between retries) get it in the pauses.
    """

    def __init__(self, projector: Projector):
        self.projector = projector
        self._rendering = threading.Lock()

    def wait_for(self, position: int) -> bool:
        """Project up to ``position``; False when the projection is stalled before it."""
        reached = self.projector.catch_up(until=position) >= position
        if self._rendering.acquire(blocking=False):
            try:
                self.projector.settle(pause=True)
            except Exception:  # noqa: BLE001 - this write is applied; the queue stays for the next one
                log.exception("rendering deferred records failed; the next write tries again")
            finally:
                self._rendering.release()
        return reached


#: Seconds between checks for a stalled projection while a write waits for the read model.
STALL_CHECK = 0.25


class RqDispatcher:
    """Production mode: the worker projects, the writer waits for it.

    On PostgreSQL the append's own NOTIFY wakes the worker and the writer
    waits for the batch's announcement (:mod:`workers.wakeups`, one listener
    per process, started on the first wait); elsewhere each write enqueues a
    catch-up job. Either way the writer also looks at the read model's
    position every :data:`STALL_CHECK` seconds (a notification lost while a
    listener reconnects) and stops waiting when the projection is stalled
    before its write.
    """

    def __init__(self, projector: Projector, redis_url: str, queue: str, timeout: float,
                 database_url: str | None = None):
        from redis import Redis
        from rq import Queue

        self.projector = projector
        # bounded waits: a Redis that does not answer must not hold a write (or /api/health/) for minutes
        self.queue = Queue(queue, connection=Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5))
        self.timeout = timeout
        self.database_url = database_url
        self._projected: Projected | None = None
        self._started = threading.Lock()

    def reachable(self) -> bool:
        """True when Redis answers a ping."""
        try:
            return bool(self.queue.connection.ping())
        except Exception:  # noqa: BLE001 - any failure means unreachable
            return False

    def _announced(self) -> Projected | None:
        """The positions the projection announces (PostgreSQL only), listened to from the first call on."""
        if self.database_url is None:
            return None
        with self._started:
            if self._projected is None:
                self._projected = Projected(self.database_url, self.projector.label, self.projector.position)
        return self._projected

    def wait_for(self, position: int) -> bool:
        """True once the read model reached ``position``; False after the timeout."""
        announced = self._announced()
        if announced is None:
            if self.projector.position() >= position:
                return True
            try:
                self.queue.enqueue("workers.jobs.catch_up", job_timeout=600, result_ttl=0)
            except Exception:  # noqa: BLE001 - Redis down: the write is durable, the timer catches up
                pass
        deadline = time.monotonic() + self.timeout
        delay = 0.002
        while (remaining := deadline - time.monotonic()) > 0:
            if announced is not None:
                if announced.wait(position, min(STALL_CHECK, remaining)):
                    return True
            else:
                time.sleep(min(delay, remaining))
                delay = min(delay * 1.5, 0.05)
            if self.projector.position() >= position:
                return True
            failure = self.projector.failure()
            if failure is not None and failure["position"] <= position:
                return False  # the projection is stalled before this write: no use waiting
        return False

    def close(self) -> None:
        """Stop listening."""
        if self._projected is not None:
            self._projected.close()


#: Seconds a transition job may run before it counts as dead (and the rq job timeout).
JOB_LEASE = 600
#: Seconds a queued transition job waits for a worker before a sweep runs it.
JOB_PICKUP = 30
log = logging.getLogger("ralph_es.runtime")

#: PostgreSQL advisory lock held while a process creates or upgrades the schema.
SCHEMA_LOCK_KEY = 0x52414C5053  # "RALPS"


@contextmanager
def schema_lock(url: str):
    """Let one process at a time create the schema (the others then find it made).

    PostgreSQL: a session advisory lock; SQLite: an exclusive lock on
    ``<database>.lock`` beside the file.
    """
    if url.startswith("sqlite"):
        path = Path(url.split(":///", 1)[1] + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEMA_LOCK_KEY})
    finally:
        engine.dispose()


class Runtime:
    """Everything one process needs, built from :class:`Settings`."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.write_engine = make_engine(settings.database_url, writer=True)
        self.read_engine = make_engine(settings.database_url, statement_timeout=settings.statement_timeout)
        self.schema = default_schema()
        self.transition_options = Options(Reports(settings.report_templates), settings.auto_assign_hostname)
        with schema_lock(settings.database_url):  # event table, read tables, indexes, id counters
            self.store = open_store(settings.database_url)
            tidy(self.write_engine)  # a switch-over to a new generation that a crash interrupted
            self.projector = Projector(self.write_engine, self.store, self.schema)
            self.projector.fan_out = settings.fan_out
            self.ids = IdAllocator(self.write_engine)
            self.store.references.catch_up()  # a store from before the index, or restored from its events
            self.store.chain.catch_up(only_new=True)  # a store from a release before the chain
            if self.projector.reset:  # read tables made anew for a changed catalogue: replay before serving
                self.projector.settle()
            self.commands = Commands(self.store, self.ids)
            #: Users as the write side has them (authentication, permissions).
            self.principals = Principals(self.commands, self.read_engine)
            self.dispatcher = (InlineDispatcher(self.projector) if settings.embedded
                               else RqDispatcher(self.projector, settings.redis_url, settings.queue,
                                                 settings.write_wait_seconds,
                                                 settings.database_url if settings.is_postgres else None))
            self.seed()
            self.reads = ReadModel(self.read_engine, self.schema, self.projector.name)
            #: The idempotency keys of the requests being processed (PostgreSQL: across processes).
            self.in_flight = InFlight(make_engine(settings.database_url, writer=True) if settings.is_postgres else None)
            if settings.embedded:  # jobs run in the process that stores them: one that died left them
                self.sweep_jobs()

    def run_transition(self, res: Resource, pks: list[int], key: int | str, body, actor: int | None,
                       receipt: Receipt | None = None) -> Outcome:
        """Run a transition (see :func:`commands.transitions.run`); the jobs of an asynchronous one are
        handed to the workers (embedded: run here, before this returns)."""
        outcome = run(self.commands, res, pks, key, body, actor, self.transition_options, receipt)
        for job in outcome.jobs:
            self.dispatch_job(job)
        return outcome

    def dispatch_job(self, key: str) -> None:
        """Have transition job ``key`` run: by a worker (rq), or in this process when embedded."""
        if self.settings.embedded:
            execute(self.commands, key, self.transition_options)
            return
        try:
            self.dispatcher.queue.enqueue("workers.jobs.run_transition_job", key, job_timeout=JOB_LEASE,
                                          result_ttl=0)
        except Exception as ex:  # noqa: BLE001 - Redis down: the workers' sweep runs it later
            log.warning("transition job %s stored but not queued (%s); a worker's sweep will run it", key, ex)

    def sweep_jobs(self) -> None:
        """Run queued jobs nobody picked up (a lost enqueue) and kill jobs started longer ago than the lease
        (their worker died), so no job stays queued or started for ever."""
        jobs = CATALOG["transitions-job"]
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for status, age in ((QUEUED, JOB_PICKUP), (STARTED, JOB_LEASE)):
            _count, docs, _ignored = self.reads.page(jobs, {}, 100, 0, scope={"status": status})
            for doc in map(msgspec.json.decode, docs):
                if now - dt.datetime.fromisoformat(doc["modified"]) < dt.timedelta(seconds=age):
                    continue
                if status == QUEUED:
                    execute(self.commands, doc["id"], self.transition_options)
                else:
                    found = self.reads.find(jobs, "uuid", doc["id"])
                    mark(self.commands, found[0], KILLED)
                    log.warning("transition job %s was started %s and never ended: killed", doc["id"],
                                doc["modified"])

    def seed(self) -> None:
        """Make the rows Ralph makes after migrating (transition models and actions) that are missing, and the
        claims of unique rules newer than the records they cover (:mod:`commands.backfill`).

        Embedded, they are projected at once; otherwise the workers project them.
        """
        backfill_claims(self.commands)
        position = seed(self.commands)
        if self.settings.embedded:
            self.dispatcher.wait_for(position)

    def health(self) -> dict:
        """Reachability of the database and Redis, store head, projection position, lag and failure.

        ``healthy`` is False when a dependency is unreachable or the
        projection is stalled on an event (a lag alone is not a fault).
        """
        report = {"healthy": True, "database": {"reachable": True}, "redis": None,
                  "event_store": {"head": None}, "projection": {"position": None, "lag": None, "failure": None}}
        try:
            head, position, failure = self.projector.head(), self.projector.position(), self.projector.failure()
        except UNAVAILABLE as ex:  # the class only: the message names hosts and ports
            report["database"] = {"reachable": False, "error": type(ex).__name__}
        else:
            report["event_store"]["head"] = head
            # the error's first line only: the rest may hold the statement and the event's values
            report["projection"] = {"position": position, "lag": head - position, "failure": failure and {
                **failure, "since": naive_iso(failure["since"]), "error": failure["error"].splitlines()[0]}}
        if self.settings.redis_url:
            report["redis"] = {"reachable": self.dispatcher.reachable()}
        report["healthy"] = (report["database"]["reachable"] and report["projection"]["failure"] is None
                             and (report["redis"] is None or report["redis"]["reachable"]))
        return report

    def settle(self) -> bool:
        """Wait until the read model has applied everything in the store."""
        return self.dispatcher.wait_for(self.projector.head())

    def close(self) -> None:
        """Close the store and every engine."""
        if isinstance(self.dispatcher, RqDispatcher):
            self.dispatcher.close()
        self.store.close()
        self.in_flight.close()
        self.write_engine.dispose()
        self.read_engine.dispose()
