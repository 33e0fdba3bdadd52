"""PostgreSQL LISTEN/NOTIFY: the worker woken by appends, waiting writers by the projection.

Every append on PostgreSQL already sends a NOTIFY on the event table's
channel (eventsourcing-sqlalchemy's recorder); the projector sends one on
:data:`~projections.projector.PROJECTED` with ``"<read model> <position>"`` in each batch's
transaction, so it arrives when the batch is visible. A :class:`Listener`
holds one connection per process and hands what arrives to a callback; it
reconnects after an outage, and its users poll anyway now and then, so a
lost notification only costs time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url

from projections.projector import PROJECTED

log = logging.getLogger("ralph_es.wakeups")

#: Longest pause between attempts to connect again.
MAX_PAUSE = 5.0


def conninfo(database_url: str) -> str:
    """A libpq connection string for a SQLAlchemy URL (``postgresql+psycopg://...``)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """A daemon thread that LISTENs on ``channel`` and calls ``notified(payload)`` for each notification
    (``connected()`` once each time it is listening again, so its user can look at what it missed)."""

    def __init__(self, database_url: str, channel: str, notified: Callable[[str], None],
                 connected: Callable[[], None] = lambda: None):
        self.url = conninfo(database_url)
        self.channel = channel
        self.notified = notified
        self.connected = connected
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"listen-{channel}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """End the thread (within a second)."""
        self.stopped.set()

    def _run(self) -> None:
        pause = 0.1
        while not self.stopped.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f'LISTEN "{self.channel}"')
                    pause = 0.1
                    self.connected()
                    while not self.stopped.is_set():
                        for notification in conn.notifies(timeout=1.0):  # yields each as it comes, for a second
                            self.notified(notification.payload)
            except psycopg.Error as ex:
                log.debug("listening on %s failed (%s); again in %.1f s", self.channel, ex, pause)
            except Exception:  # noqa: BLE001 - the thread must live on; users poll meanwhile
                log.exception("listener on %s failed", self.channel)
            self.stopped.wait(pause)
            pause = min(MAX_PAUSE, pause * 2)


class Projected:
    """The latest position each read model announced, and waits for one to reach a position."""

    def __init__(self, database_url: str, label: str, position: Callable[[], int]):
        self.label = label
        self.read_position = position
        self.position = 0
        self.changed = threading.Condition()
        self.listener = Listener(database_url, PROJECTED, self._notified, self._connected)

    def _connected(self) -> None:
        try:
            self._advance(self.read_position())  # what was projected before listening began
        except Exception:  # noqa: BLE001 - the next notification or poll tells
            pass

    def _notified(self, payload: str) -> None:
        label, _, position = payload.partition(" ")
        if label == self.label and position.isdigit():
            self._advance(int(position))

    def _advance(self, position: int) -> None:
        with self.changed:
            if position > self.position:
                self.position = position
                self.changed.notify_all()

    def wait(self, position: int, timeout: float) -> bool:
        """True once ``position`` is announced (False after ``timeout`` seconds)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.position >= position, timeout)

    def close(self) -> None:
        self.listener.stop()


def wake_on_appends(database_url: str, channel: str, wake: threading.Event) -> Listener:
    """Set ``wake`` whenever events are appended (and once listening starts)."""
    return Listener(database_url, channel, lambda _payload: wake.set(), wake.set)
