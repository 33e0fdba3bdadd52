"""Dependencies that go away (Redis, PostgreSQL): waited out, each outage logged once with its end."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("ralph_es.worker")
#: Longest pause (seconds) between attempts to reach a dependency that is down.
MAX_WAIT = 30.0


class Outage:
    """Whether one dependency is reachable; logs when it goes away and when it is back."""

    def __init__(self, name: str):
        self.name = name
        self.since: float | None = None
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        """True from a failed attempt until one works."""
        return self.since is not None

    def failed(self, error: object) -> None:
        """An attempt failed: logged when it starts an outage."""
        with self._lock:
            if self.since is None:
                self.since = time.monotonic()
                log.warning("%s unavailable (%s); waiting for it", self.name, error)

    def ok(self) -> None:
        """An attempt worked: logged when it ends an outage."""
        with self._lock:
            if self.since is not None:
                log.warning("%s is back after %.0f s", self.name, time.monotonic() - self.since)
                self.since = None


def keep_trying(attempt: Callable, outage: Outage, errors: tuple[type[Exception], ...]):
    """``attempt()``'s result, retried with a growing pause while it raises one of ``errors``."""
    pause = 0.5
    while True:
        try:
            result = attempt()
        except errors as ex:
            outage.failed(ex)
            time.sleep(pause)
            pause = min(pause * 2, MAX_WAIT)
        else:
            outage.ok()
            return result


class QuietRedisRetries(logging.Filter):
    """Turns rq's log line per failed Redis attempt into the outage's one line."""

    def __init__(self, outage: Outage):
        super().__init__()
        self.outage = outage

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "could not connect to Redis" in message or "Redis connection timeout" in message:
            self.outage.failed(message.split(": ", 1)[-1])
            return False
        return True
