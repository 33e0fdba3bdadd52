"""Ralph's SCM reporting routes: ``POST`` and ``DELETE /api/scm-info/<hostname>`` (configuration_management/api.py).

A host reports the result of its configuration run under its hostname: the
check of the first object (lowest id) with that hostname, among assets,
cloud hosts, clusters and virtual servers, is created (201) or replaced
(200), and answered as Ralph's ``SCMInfoSerializer`` without a request
(``base_object`` as an id). A segment of digits only is a record id: the
detail routes keep it (Ralph reads it as a hostname there too), and other
methods on a hostname are a 404 as for any other missing record.
"""

from __future__ import annotations

import falcon
import msgspec

from commands.catalog import CATALOG
from workers.runtime import Runtime

from .errors import not_found
from .idempotency import keyed
from .resources import _Base, _no_content
from .responses import send

#: Ralph's URL pattern of the hostname (``[\w.-]+``), with or without the final slash; digits only are an id.
PATTERN = r"^/api/scm-info/(?P<hostname>(?!\d+/?$)[\w.-]+)/?$"
#: Where Ralph looks the hostname up (``asset__hostname``, ``cloudhost__``, ``cluster__``, ``virtualserver__``).
HOSTS = ("data-center-assets", "back-office-assets", "cloud-hosts", "clusters", "virtual-servers")
#: What the save serializer (``SCMInfoSaveSerializer``) takes.
SENT = ("last_checked", "check_result")


class ScmByHostname(_Base):
    """The sink of :data:`PATTERN`: POST (create or replace the check) and DELETE."""

    allowed_here = ("POST", "DELETE")

    def __init__(self, rt: Runtime):
        super().__init__(rt, CATALOG["scm-info"])

    @property
    def allowed(self) -> tuple[str, ...]:
        return self.allowed_here

    def __call__(self, req: falcon.Request, resp: falcon.Response, hostname: str) -> None:
        if req.method not in self.allowed_here:  # not a record id: no such record (Ralph: 405 for a hostname)
            raise not_found()
        self._check(req)
        if req.method == "POST":
            self._post(req, resp, hostname)
        else:
            self._delete(req, resp, hostname)

    def _host(self, hostname: str) -> int | None:
        """The id of the first object whose hostname is ``hostname`` (stripped), as Ralph's ``get_baseobject``."""
        found = (self.rt.reads.find(CATALOG[name], "hostname", hostname.strip()) for name in HOSTS)
        return min((hit[0] for hit in found if hit), default=None)

    def _post(self, req, resp, hostname: str) -> None:
        body = {k: v for k, v in self._body(req).items() if k in SENT}
        host = self._host(hostname)
        if host is None:
            return _missing(req, resp, f"No hostname matching {hostname} found.")
        current = self.rt.commands.find(self.res.name, "base_object", host)
        status = 201 if current is None else 200
        written = keyed(self.rt, req, resp, body, self._answer(req, status), lambda receipt: (
            self.rt.commands.create(self.res, body, req.context.user_id, {"base_object": host}, receipt)
            if current is None else
            self.rt.commands.update(self.res, current, body, req.context.user_id, False, receipt=receipt)))
        if written is not None:
            self._written(req, resp, status, written)

    def _delete(self, req, resp, hostname: str) -> None:
        host = self._host(hostname)
        if host is None:
            return _missing(req, resp, f"No hostname matching {hostname} found.")
        current = self.rt.commands.find(self.res.name, "base_object", host)
        if current is None:
            return _missing(req, resp, f"SCM status is not set for the hostname {hostname}")
        position = keyed(self.rt, req, resp, {}, _no_content, lambda receipt: self.rt.commands.delete(
            self.res, current, req.context.user_id, None, receipt))
        if position is not None:
            self._stored(resp, position)
            resp.status = 204


def _missing(req, resp, message: str) -> None:
    """Ralph's 404 here: the message as a JSON string."""
    send(req, resp, 404, msgspec.json.encode(message))
