"""Answers in the negotiated format: JSON as the responders write it, or the same data as XML or the HTML preview."""

from __future__ import annotations

import falcon
import msgspec

from .negotiation import negotiate
from .preview import page
from .xml import render_xml


class FormatMiddleware:
    """Picks the format of every request first (406/404 before anything else), then turns a JSON answer into it."""

    def __init__(self, secret_key: str):
        self.secret_key = secret_key

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.format = "json"  # what a 406 is answered in
        req.context.format = negotiate(req)

    def process_response(self, req: falcon.Request, resp: falcon.Response, resource, req_succeeded) -> None:
        resp.append_header("Vary", "Accept")
        chosen = getattr(req.context, "format", "json")
        if chosen == "json" or not (resp.content_type or "").startswith(falcon.MEDIA_JSON):
            return
        etag = resp.get_header("ETag")
        if etag:  # another representation, another tag (its version part still names the record's version)
            resp.set_header("ETag", f'{etag[:-1]}-{chosen}"')
        if chosen == "xml":
            resp.content_type = "application/xml; charset=utf-8"
            resp.data = render_xml(msgspec.json.decode(resp.data)) if resp.data else resp.data
        elif req.method == "HEAD":
            resp.content_type = "text/html; charset=utf-8"
        else:
            page(req, resp, resource, self.secret_key)
