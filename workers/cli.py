"""The ``ralph-es`` command line."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
import threading
import time

from commands.catalog import CATALOG
from commands.config import Settings
from commands.validation import ValidationFailed, parse_instant

from .runtime import Runtime

log = logging.getLogger("ralph_es.worker")


def _runtime() -> Runtime:
    return Runtime(Settings.from_env())


def serve(args) -> int:
    """Serve the API with granian (WSGI), one app per worker process."""
    from granian import Granian
    from granian.constants import Interfaces

    settings = Settings.from_env()
    Runtime(settings).close()  # create the store and read tables once, before forking
    workers = args.workers or (1 if settings.embedded else 2)
    print(f"Ralph-ES on http://{args.host}:{args.port}/api/ "
          f"({'embedded: ' + settings.database_url if settings.embedded else 'production'}, {workers} worker(s))")
    Granian("api.app:create_app", address=args.host, port=args.port, interface=Interfaces.WSGI,
            workers=workers, factory=True, respawn_failed_workers=True).serve()
    return 0


def worker(args) -> int:
    """Run an rq worker for transition (and catch-up) jobs, plus a thread that projects what is appended.

    On PostgreSQL every append wakes the projecting thread (LISTEN/NOTIFY,
    :mod:`workers.wakeups`); it also catches up every ``--interval`` seconds
    anyway, and then runs the transition jobs nobody picked up.

    Neither Redis nor PostgreSQL going away stops it: it waits with a growing
    pause (one log line per outage, one when it ends), the timer keeps
    projecting without Redis, and the rq worker is started again once Redis
    is back. Only SIGTERM/SIGINT (or the end of a ``--burst``) end it.
    """
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue
    from rq.exceptions import StopRequested

    from commands.store import UNAVAILABLE

    from . import jobs
    from .outages import Outage, QuietRedisRetries, keep_trying
    from .wakeups import wake_on_appends

    settings = Settings.from_env()
    if settings.embedded:
        print("ralph-es worker needs RALPH_ES_REDIS_URL", file=sys.stderr)
        return 2
    database, redis = Outage("PostgreSQL"), Outage("Redis")
    rt = keep_trying(lambda: Runtime(settings), database, UNAVAILABLE)
    jobs.use(rt)
    print(f"ralph-es worker ready: projecting for queue {settings.queue}", flush=True)
    connection = Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    stop = threading.Event()

    def catch_up(sweep: bool = True):
        try:
            rt.projector.settle()
            if sweep:
                rt.sweep_jobs()
        except UNAVAILABLE as ex:  # the database is away: the next tick retries
            database.failed(ex)
        except Exception:  # noqa: BLE001 - never let the safety net die
            log.exception("catch-up failed; the next tick retries")
        else:
            database.ok()

    wake = threading.Event()  # set by every append on PostgreSQL: projected at once, batched while busy
    if settings.is_postgres:
        wake_on_appends(settings.database_url, rt.store.recorder.channel_name, wake)

    def tick():
        swept = time.monotonic()
        while not stop.is_set():
            wake.wait(args.interval)
            wake.clear()
            if stop.is_set():
                return
            due = time.monotonic() - swept >= args.interval
            catch_up(sweep=due)
            if due:
                swept = time.monotonic()
                redis_back()

    def redis_back() -> bool:
        """Ping Redis: True when it answers (an outage's end is logged)."""
        try:
            connection.ping()
        except RedisError as ex:
            redis.failed(ex)
            return False
        redis.ok()
        return True

    catch_up()
    threading.Thread(target=tick, daemon=True).start()
    logging.getLogger("rq.worker").addFilter(QuietRedisRetries(redis))
    rq_worker = None
    try:
        while True:
            try:  # the worker's constructor talks to Redis too (a Redis away at start)
                rq_worker = jobs.ProjectionWorker([Queue(settings.queue, connection=connection)],
                                                  connection=connection)
                rq_worker.work(burst=args.burst, logging_level="WARNING")
            except RedisError as ex:
                redis.failed(ex)
            else:
                # rq also returns from work() when Redis fails mid-way; only a burst or a signal ends the worker
                if args.burst or rq_worker.stopping:
                    return 0
            while not redis_back():  # the timer projects meanwhile
                if rq_worker is not None and rq_worker.stopping:  # a signal: rq's handler returned (Redis is away)
                    return 0
                time.sleep(0.5)
    except StopRequested:  # a signal while waiting for Redis (rq's handler is still installed)
        return 0
    finally:
        stop.set()
        wake.set()


def users_create(args) -> int:
    """Create a user (optionally a superuser) with a password."""
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else args.password
    if password is None:
        password = getpass.getpass("Password: ")
    rt = _runtime()
    users = CATALOG["users"]
    if rt.commands.find("users", "username", args.name) is not None:
        if args.exist_ok:
            return 0
        print(f"user {args.name!r} already exists", file=sys.stderr)
        return 1
    body = {"username": args.name, "password": password, "is_staff": args.superuser or args.staff,
            "is_superuser": args.superuser}
    try:
        written = rt.commands.create(users, body, None)
    except ValidationFailed as ex:
        print(f"invalid: {ex.errors}", file=sys.stderr)
        return 1
    rt.dispatcher.wait_for(written.position)
    print(f"created user {args.name!r} (id {written.pk}{', superuser' if args.superuser else ''})")
    return 0


def users_rotate_token(args) -> int:
    """Revoke a user's API key: the next request with it fails; the user gets a new one from /api-token-auth/."""
    rt = _runtime()
    pk = rt.commands.find("users", "username", args.name)
    if pk is None:
        print(f"no user {args.name!r}", file=sys.stderr)
        return 1
    rt.dispatcher.wait_for(rt.principals.rotate_token(pk, None))
    print(f"revoked the API key of {args.name!r}")
    return 0


def import_file(args) -> int:
    """Load a JSON Lines inventory through the command layer, in batches, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from commands.importer import run_import

    rt = _runtime()
    with open(args.file, encoding="utf-8") as handle:
        total = sum(1 for _ in handle)
    started = time.perf_counter()
    with open(args.file, encoding="utf-8") as handle, Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            disable=args.quiet) as bar:
        task = bar.add_task("importing", total=total)
        report = run_import(rt.commands, handle, None, batch=args.batch,
                            progress=lambda n: bar.update(task, completed=n))
    appended = time.perf_counter() - started
    for line, errors in report.errors[:20]:
        print(f"line {line}: {errors}", file=sys.stderr)
    print(f"imported {report.created} records in {appended:.1f} s "
          f"({report.created / appended if appended else 0:.0f}/s); {len(report.errors)} invalid lines")
    if not args.no_wait:
        started = time.perf_counter()
        caught_up = rt.dispatcher.wait_for(report.position)
        waited = f"{time.perf_counter() - started:.1f} s"
        if caught_up:
            print(f"read model caught up in {waited}")
        else:
            print(f"read model still behind after {waited}; the projection worker goes on")
    return 1 if report.errors else 0


def projections_status(args) -> int:
    """Print what ``/api/health/`` reports (reachability, position, head, lag, failure); exit 1 when unhealthy."""
    from commands.store import UNAVAILABLE

    try:
        rt = _runtime()
    except UNAVAILABLE as ex:
        print(f"database: UNREACHABLE ({str(ex).splitlines()[0]})")
        return 1
    report = rt.health()
    database = report["database"]
    print("database: " + ("reachable" if database["reachable"] else f"UNREACHABLE ({database['error']})"))
    if report["redis"] is not None:
        print("redis: " + ("reachable" if report["redis"]["reachable"] else "UNREACHABLE"))
    if database["reachable"]:
        from projections.generations import generations

        head = report["event_store"]["head"]
        for generation in generations(rt.projector):
            state = (f"live since {generation.live_since:%Y-%m-%d %H:%M:%S} UTC" if generation.live_since
                     else "live" if generation.live else f"being built since {generation.started:%Y-%m-%d %H:%M:%S} UTC")
            print(f"projection {'main' if generation.live else 'next'}: generation {generation.number} ({state}), "
                  f"position {generation.position}, head {head}, lag {head - generation.position}, "
                  f"renders pending {generation.pending}")
            _stalled(generation.failure)  # with the whole error, which the health report shortens
    return 0 if report["healthy"] else 1


def _stalled(failure: dict | None) -> int:
    """Print the event a projection is stalled on, if any; the exit status (1 when stalled)."""
    if failure is None:
        return 0
    print(f"STALLED at event {failure['position']} ({failure['event']}) since {failure['since']:%Y-%m-%d %H:%M:%S} "
          f"UTC, {failure['attempts']} attempt(s): {failure['error']}")
    return 1


def projections_rebuild(args) -> int:
    """Build a new generation of the read model from the whole store beside the live one, with a progress bar,
    then switch over; exit 1 when an event stops it (the live one goes on serving), 130 when interrupted."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from projections.generations import Rebuild

    rt = _runtime()
    job = Rebuild(rt.projector, restart=args.restart)
    head, start, began = rt.projector.head(), job.next.position(), time.monotonic()

    def progress(position: int) -> None:
        rate = (position - start) / max(time.monotonic() - began, 1e-3)
        bar.update(task, completed=min(position, head), rate=rate)

    try:
        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[rate]:,.0f} events/s"), TimeRemainingColumn(),
                      disable=args.quiet) as bar:
            task = bar.add_task(f"generation {job.number}", total=head, completed=start, rate=0.0)
            position = job.build(progress=progress)
    except KeyboardInterrupt:
        print(f"interrupted at event {job.next.position()}: run `ralph-es projections rebuild` again to go on")
        return 130
    if _stalled(job.next.failure()):
        print(f"generation {job.number} stopped at event {position}; generation {job.number - 1} goes on serving")
        return 1
    position = job.switch()
    print(f"rebuilt read model up to event {position}: generation {job.number} is live")
    return 0


def _kind(entry: dict) -> str:
    """An entry's kind, with the transition that made it."""
    ran = entry.get("transition")
    return entry["kind"] if ran is None else f"{entry['kind']} {ran['name']!r} {json.dumps(ran['parameters'])}"


def history(args) -> int:
    """A record's history (a table, or JSON), or with ``--as-of`` the representation it had then."""
    from commands.catalog import resource
    from commands.history import entries
    from projections.as_of import detail_as_of

    try:
        res = resource(args.prefix)
    except KeyError:
        print(f"no resource {args.prefix!r}", file=sys.stderr)
        return 2
    rt = _runtime()
    if args.as_of:
        moment = parse_instant(args.as_of)
        if moment is None:
            print(f"--as-of wants an ISO 8601 instant, got {args.as_of!r}", file=sys.stderr)
            return 2
        doc = detail_as_of(rt.store, res, args.id, moment)
        if doc is None:
            print(f"no {res.name} {args.id} at {args.as_of}", file=sys.stderr)
            return 1
        print(json.dumps(doc, indent=1).replace("\\u0000", ""))
        return 0
    _count, found = entries(rt.store, res, args.id)
    if not found:
        print(f"no {res.name} {args.id}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(found, indent=1))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table("position", "version", "time", "user", "kind", "changes")
    for e in found:
        changes = "\n".join(f"{name}: {c['old']!r} → {c['new']!r}" for name, c in e["changes"].items())
        table.add_row(str(e["position"]), str(e["version"]), e["timestamp"],
                      (e["user"] or {}).get("username") or "-", _kind(e), changes)
    Console(width=200).print(table)
    return 0


def audit_verify(args) -> int:
    """Walk the whole store checking the hash chain; exit 1 at the first broken link."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    rt = _runtime()
    total = rt.store.chain.count()
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), disable=args.quiet) as bar:
        task = bar.add_task("verifying", total=total)
        broken, head = rt.store.chain.verify(lambda n: bar.update(task, completed=n))
    if broken is not None:
        print(f"BROKEN at position {broken.position}: {broken.reason}", file=sys.stderr)
        return 1
    print(f"{total} events, chain intact; head link {head}")
    return 0


def audit_link(args) -> int:
    """Link the events stored without links (a store from before the chain, or restored)."""
    rt = _runtime()
    print(f"linked {rt.store.chain.catch_up()} events")
    return 0


def transitions_run(args) -> int:
    """Run a transition on one object, as the API's run endpoint does; exit 1 when it is refused."""
    from commands.handlers import NotFound
    from commands.transitions import TransitionNotFound, models_with_transitions

    rt = _runtime()
    res = next((r for r in models_with_transitions() if args.model in (r.name, r.content_type)), None)
    if res is None:
        names = ", ".join(sorted(r.name for r in models_with_transitions()))
        print(f"no transitions for {args.model!r}; models with transitions: {names}", file=sys.stderr)
        return 1
    body = {}
    for param in args.param:
        name, sep, raw = param.partition("=")
        if not sep:
            print(f"--param wants NAME=VALUE, got {param!r}", file=sys.stderr)
            return 2
        try:
            body[name] = json.loads(raw)
        except ValueError:
            body[name] = raw
    actor = rt.commands.find("users", "username", args.user) if args.user else None
    if args.user and actor is None:
        print(f"no user {args.user!r}", file=sys.stderr)
        return 1
    key = int(args.name) if args.name.isdigit() else args.name
    try:
        outcome = rt.run_transition(res, [args.id], key, body, actor)
    except ValidationFailed as ex:
        print(f"refused: {json.dumps(ex.errors)}", file=sys.stderr)
        return 1
    except TransitionNotFound:
        print(f"no transition {args.name!r} for {res.content_type}", file=sys.stderr)
        return 1
    except NotFound:
        print(f"no {res.name} {args.id}", file=sys.stderr)
        return 1
    for job in outcome.jobs:
        print(f"job {job}")
    rt.dispatcher.wait_for(rt.projector.head())
    print(f"ran {outcome.transition.name!r} on {res.name} {args.id}" if not outcome.jobs
          else f"queued {outcome.transition.name!r} on {res.name} {args.id}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ralph-es", description="Ralph's REST API on an event-sourced core.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve the API")
    s.add_argument("--host", default=os.environ.get("RALPH_ES_HOST", "127.0.0.1"))
    s.add_argument("--port", type=int, default=int(os.environ.get("RALPH_ES_PORT", "8000")))
    s.add_argument("--workers", type=int, default=None)
    s.set_defaults(run=serve)
    w = sub.add_parser("worker", help="run an rq worker for projections")
    w.add_argument("--interval", type=float, default=2.0, help="seconds between safety-net catch-ups")
    w.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    w.set_defaults(run=worker)
    users = sub.add_parser("users", help="manage users").add_subparsers(dest="users_command", required=True)
    c = users.add_parser("create", help="create a user")
    c.add_argument("name")
    c.add_argument("--password")
    c.add_argument("--password-stdin", action="store_true")
    c.add_argument("--superuser", action="store_true")
    c.add_argument("--staff", action="store_true")
    c.add_argument("--exist-ok", action="store_true", help="succeed when the user already exists")
    c.set_defaults(run=users_create)
    rotate = users.add_parser("rotate-token", help="revoke a user's API key (a new one is made on demand)")
    rotate.add_argument("name")
    rotate.set_defaults(run=users_rotate_token)
    imp = sub.add_parser("import", help="load a JSON Lines file (one {resource, key, body} per line)")
    imp.add_argument("file")
    imp.add_argument("--batch", type=int, default=500, help="records appended per transaction")
    imp.add_argument("--quiet", action="store_true")
    imp.add_argument("--no-wait", action="store_true", help="do not wait for the read model to catch up")
    imp.set_defaults(run=import_file)
    proj = sub.add_parser("projections", help="inspect or rebuild projections")
    psub = proj.add_subparsers(dest="projections_command", required=True)
    psub.add_parser("status", help="position, head and lag").set_defaults(run=projections_status)
    r = psub.add_parser("rebuild", help="build a new generation from the whole store, then switch over")
    r.add_argument("--quiet", action="store_true")
    r.add_argument("--restart", action="store_true", help="drop a generation an interrupted rebuild left")
    r.set_defaults(run=projections_rebuild)
    audit = sub.add_parser("audit", help="tamper evidence of the event store").add_subparsers(
        dest="audit_command", required=True)
    v = audit.add_parser("verify", help="check every event against the hash chain")
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    v.set_defaults(run=audit_verify)
    audit.add_parser("link", help="link events stored without links").set_defaults(run=audit_link)
    h = sub.add_parser("history", help="a record's changes, or what it was at an instant")
    h.add_argument("prefix", help="the resource (its API prefix)")
    h.add_argument("id", type=int)
    h.add_argument("--as-of", help="an ISO 8601 instant: print the record as it was then")
    h.add_argument("--json", action="store_true", help="the entries as JSON")
    h.set_defaults(run=history)
    tr = sub.add_parser("transitions", help="run transitions").add_subparsers(dest="transitions_command",
                                                                               required=True)
    t = tr.add_parser("run", help="run a transition on one object")
    t.add_argument("model", help="resource (back-office-assets) or content type (back_office.backofficeasset)")
    t.add_argument("id", type=int)
    t.add_argument("name", help="the transition's name or id")
    t.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter (VALUE is read as JSON when it is JSON, else as text); repeatable")
    t.add_argument("--user", help="username of the requester (history, owner actions, preconditions)")
    t.set_defaults(run=transitions_run)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
