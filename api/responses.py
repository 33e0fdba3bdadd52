"""Sending answers: stored documents' host-relative URLs made absolute, a stored write's headers."""

from __future__ import annotations

import logging

import falcon

from workers.runtime import Runtime

log = logging.getLogger("ralph_es.api")
_HOST_MARK = b'"\\u0000'


def absolute(req: falcon.Request, data: bytes) -> bytes:
    """Turn host-relative URLs of stored documents into absolute ones."""
    return data.replace(_HOST_MARK, b'"' + req.prefix.encode())


def send(req: falcon.Request, resp: falcon.Response, status: int, data: bytes) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = absolute(req, data)


def stored(rt: Runtime, resp: falcon.Response, position: int) -> None:
    """Wait for the read model, then set a stored write's headers; it is answered as stored whatever happens."""
    try:
        caught_up = rt.dispatcher.wait_for(position)
    except Exception as ex:  # noqa: BLE001 - stored is stored: never a 5xx now
        log.warning("event %s stored, waiting for the read model failed: %s", position, ex)
        caught_up = False
    if not caught_up:
        resp.set_header("X-Read-Model-Behind", str(position))
    resp.set_header("X-Event-Position", str(position))
