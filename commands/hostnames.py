"""Hostnames Ralph gives back-office assets: ``<ISO 3166 alpha-3 country><category code><counter>``.

Each prefix has its own counter (Ralph's ``AssetLastHostname``), a record
of ``asset-last-hostnames`` raised by the command that issues a hostname:
two commands raising the same counter conflict when appended, and the
later one runs again with the new value, so no number is given twice.
"""

from __future__ import annotations

import pycountry

from .catalog import CATALOG
from .catalog.choices import COUNTRIES, COUNTRY_CODES

#: Digits of the counter (Ralph's ``ASSET_HOSTNAME_TEMPLATE["counter_length"]``).
COUNTER_LENGTH = 5


def iso3(country: int | None) -> str | None:
    """The alpha-3 code of a country choice; None for the entries that are no state (England, NATO, ...)."""
    if type(country) is not int or not 0 < country <= len(COUNTRY_CODES):
        return None
    code = COUNTRY_CODES[country - 1]
    found = pycountry.countries.get(alpha_2=code) or pycountry.historic_countries.get(alpha_2=code)
    return found.alpha_3 if found else None


def country_name(country: int) -> str:
    """The name of a country choice."""
    return dict(COUNTRIES).get(country, str(country))


class Counters:
    """The hostname counters one command raises (each read once, raised for every hostname it issues)."""

    def __init__(self, commands, actor, batch):
        self.commands, self.actor, self.batch = commands, actor, batch
        self.records: dict[tuple[str, str], object] = {}

    def issue(self, prefix: str, postfix: str = "") -> str:
        """The next hostname of ``prefix`` and ``postfix``; its counter raised."""
        res = CATALOG["asset-last-hostnames"]
        record = self.records.get((prefix, postfix))
        if record is None:
            record, made = self.commands.add_or_load(res, {"prefix": prefix, "postfix": postfix}, {"counter": 1},
                                                     self.actor, self.batch)
            self.records[(prefix, postfix)] = record
            if made:
                return _format(record.values)
        self.commands.change(res, record, {"counter": record.values["counter"] + 1}, self.actor, self.batch)
        return _format(record.values)


def _format(values: dict) -> str:
    return f"{values['prefix']}{values['counter']:0{COUNTER_LENGTH}d}{values['postfix']}"
