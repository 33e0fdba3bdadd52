"""rq jobs; each worker process keeps one warm :class:`Runtime`."""

from __future__ import annotations

from rq import SimpleWorker

from commands.config import Settings
from commands.transitions import execute

from .runtime import Runtime

_runtime: Runtime | None = None


def runtime() -> Runtime:
    """This process's runtime, built from the environment on first use."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(Settings.from_env())
    return _runtime


def use(rt: Runtime) -> None:
    """Make ``rt`` the runtime that jobs in this process use."""
    global _runtime
    _runtime = rt


def catch_up() -> int:
    """Project every pending event, then the deferred renders; returns the new position."""
    return runtime().projector.settle()


def run_transition_job(key: str) -> int | None:
    """Run a queued transition job, then project what it stored; the job's status."""
    rt = runtime()
    status = execute(rt.commands, key, rt.transition_options)
    rt.projector.settle()
    return status


class ProjectionWorker(SimpleWorker):
    """rq's in-process worker, remembering a stop signal (``work()`` also returns when Redis fails)."""

    stopping = False

    def request_stop(self, signum, frame):
        self.stopping = True
        super().request_stop(signum, frame)

    def subscribe(self):
        """rq's command channel, polled every second: rq polls every 60 s, and since redis-py 8 its teardown
        waits for the poll to end, so a stopped worker lingered up to a minute."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(sleep_time=1, daemon=True,
                                                       exception_handler=self._pubsub_exception_handler)
