"""Optional per-user rate limiting, like Ralph's ``API_THROTTLING`` (DRF's ``UserRateThrottle``).

A sliding window per user: a request is let through while the user made
fewer than N requests in the last period, else it is answered 429 with
``Retry-After`` (seconds until the oldest request leaves the window). Throttled
requests do not count. In Redis the check and the count are one script (atomic
across processes); embedded, a lock-guarded log per user.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections import deque

import falcon

from commands.config import Settings

from .auth import OPEN_PATHS
from .errors import detail

log = logging.getLogger("ralph_es.api")
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return false
"""


def parse_rate(rate: str) -> tuple[int, int]:
    """DRF's rate syntax, ``<number>/<period>`` (period: second, minute, hour, day or their first letter), as
    (requests, seconds)."""
    number, _, period = rate.strip().partition("/")
    if not number.isdigit() or int(number) < 1 or period[:1].lower() not in PERIODS:
        raise ValueError(f"not a rate like 5000/hour: {rate!r}")
    return int(number), PERIODS[period[:1].lower()]


class LocalThrottle:
    """The window of each user in this process (embedded mode)."""

    def __init__(self, rate: str, clock=time.monotonic):
        self.limit, self.window = parse_rate(rate)
        self.clock = clock
        self._logs: dict[int, deque] = {}
        self._mutex = threading.Lock()

    def wait(self, user_id: int) -> float | None:
        """None when user ``user_id`` may make this request (it is counted), else the seconds to wait."""
        now = self.clock()
        with self._mutex:
            history = self._logs.setdefault(user_id, deque())
            while history and history[0] <= now - self.window:
                history.popleft()
            if len(history) >= self.limit:
                return history[0] + self.window - now
            history.append(now)
            return None


class RedisThrottle:
    """The window of each user in Redis, shared by every API process."""

    def __init__(self, rate: str, redis_url: str, prefix: str):
        from redis import Redis

        self.limit, self.window = parse_rate(rate)
        self.prefix = prefix
        self._script = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2).register_script(_SCRIPT)

    def wait(self, user_id: int) -> float | None:
        """As :meth:`LocalThrottle.wait`; a request is let through when Redis cannot be asked."""
        try:
            answer = self._script(keys=[f"{self.prefix}:throttle:{user_id}"],
                                  args=[self.window, self.limit, secrets.token_hex(8)])
        except Exception as ex:  # noqa: BLE001 - a rate limit must not take the API down with Redis
            log.warning("throttle check skipped: %s", ex)
            return None
        return None if answer is None else float(answer)


def throttle(settings: Settings) -> LocalThrottle | RedisThrottle:
    """The throttle for ``settings.throttle_rate``: in Redis when there is one, else in this process."""
    if settings.redis_url:
        return RedisThrottle(settings.throttle_rate, settings.redis_url, settings.queue)
    return LocalThrottle(settings.throttle_rate)


class ThrottleMiddleware:
    """429 with ``Retry-After`` for a user over the rate, on every routed authenticated request."""

    def __init__(self, throttle):
        self.throttle = throttle

    def process_resource(self, req: falcon.Request, resp: falcon.Response, resource, params) -> None:
        user = getattr(req.context, "user", None)
        if resource is None or user is None or req.path in OPEN_PATHS:
            return
        wait = self.throttle.wait(user.id)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            unit = "second" if seconds == 1 else "seconds"
            raise detail(429, f"Request was throttled. Expected available in {seconds} {unit}.",
                         **{"Retry-After": str(seconds)})
