"""``/api/health/``: is this deployment able to serve, and is its read model moving?"""

from __future__ import annotations

import falcon
import msgspec

from workers.runtime import Runtime

_encode = msgspec.json.Encoder().encode


class Health:
    """The runtime's health report: 200 when healthy, 503 when not. Open to anyone (load balancers, compose)."""

    def __init__(self, rt: Runtime):
        self.rt = rt

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The report as JSON, with the status that says whether it is healthy."""
        report = self.rt.health()
        resp.status = 200 if report["healthy"] else 503
        resp.content_type = falcon.MEDIA_JSON
        resp.data = _encode(report)
