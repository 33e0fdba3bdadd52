"""The ``Idempotency-Key`` request header of writes (POST, PUT, PATCH, DELETE, transition runs)."""

from __future__ import annotations

import re
from collections.abc import Callable

import falcon

from commands.idempotency import Receipt, Replay, fingerprint
from workers.runtime import Runtime

from .errors import ApiError
from .responses import absolute, stored

HEADER = "Idempotency-Key"
#: 1 to 255 visible ASCII characters.
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def keyed(rt: Runtime, req: falcon.Request, resp: falcon.Response, body, respond: Callable[[object], tuple],
          write: Callable[[Receipt | None], object]):
    """Run ``write(receipt)``, the receipt of the request's key (None without the header), and return its result;
    None when the request was made already and is answered again in ``resp``.

    ``respond(result)`` is the answer (status, JSON bytes) the endpoint sends for the write's result, stored
    with the key. 400 for a malformed key, 422 for a key used for another request, 409 while a request with
    it is being processed.
    """
    receipt = _receipt(req, body, respond)
    if receipt is None:
        return write(None)
    try:
        receipt.check(rt.store)
        with rt.in_flight.hold(receipt.user, receipt.key):
            receipt.check(rt.store)  # the first may have just finished
            return write(receipt)
    except Replay as replay:
        _replay(rt, req, resp, replay)
        return None


def _receipt(req: falcon.Request, body, respond) -> Receipt | None:
    key = req.get_header(HEADER)
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise ApiError(400, {HEADER: ["Ensure this header has 1 to 255 visible ASCII characters."]})
    return Receipt(req.context.user_id, key, fingerprint(req.method, req.path, req.query_string, body), respond)


def _replay(rt: Runtime, req: falcon.Request, resp: falcon.Response, replay: Replay) -> None:
    """The first answer again, once the read model shows its write."""
    stored(rt, resp, replay.position)
    resp.set_header("Idempotent-Replayed", "true")
    resp.status = replay.status
    if replay.body:
        resp.content_type = falcon.MEDIA_JSON
        resp.data = absolute(req, replay.body)
