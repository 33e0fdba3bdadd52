"""Documents of report actions, rendered from templates a deployment may replace.

A report ``<name>`` (``release_report``, ``return_report``, ``loan_report``)
renders ``<name>.html`` from ``RALPH_ES_REPORT_TEMPLATES`` when that
directory has it, else from that directory's or the shipped ``report.html``.
"""

from __future__ import annotations

import jinja2


class Reports:
    """Renders report documents (HTML)."""

    def __init__(self, directory: str | None = None):
        loaders = [jinja2.FileSystemLoader(directory)] if directory else []
        loaders.append(jinja2.PackageLoader("commands", "templates/reports"))
        self.env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                                      undefined=jinja2.StrictUndefined)

    def render(self, name: str, context: dict) -> str:
        """The document of report ``name`` for ``context``."""
        return self.env.select_template([f"{name}.html", "report.html"]).render(**context)
