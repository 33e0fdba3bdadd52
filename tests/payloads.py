"""Request bodies derived from catalogue declarations (for generated tests)."""

from __future__ import annotations

import itertools

from commands.catalog import CATALOG, Resource
from commands.catalog.fields import Field

_counter = itertools.count(1)
#: Values that satisfy cross-field rules (model clean()) and field patterns whatever else is sent; given the
#: builder, for rules that need another record.
def _scanned_ip(n: int, b) -> str:
    """An IP address assigned to a host (what a security scan is posted with)."""
    mac = f"02:00:00:{n // 65536 % 256:02x}:{n // 256 % 256:02x}:{n % 256:02x}"
    eth = b.api.create("ethernets", {"base_object": b.target_id("data-center-assets"), "mac": mac})["id"]
    return b.api.create("ipaddresses", {"address": f"10.250.{n // 256 % 256}.{n % 256}", "ethernet": eth,
                                        "dhcp_expose": False})["address"]


RULES = {
    "data-center-assets": lambda n, b: {"position": 1, "orientation": "front", "slot_no": "1A", "sn": f"sn-{n}",
                                        "property_of": b.target_id("assetholders")},
    "back-office-assets": lambda n, b: {"sn": f"sn-{n}", "property_of": b.target_id("assetholders"),
                                        "imei": f"{n:015d}", "imei2": f"{n + 1:015d}"},
    "assetmodels": lambda n, b: {"has_parent": True},
    "clusters": lambda n, b: {"name": "cluster"},
    "networks": lambda n, b: {"address": f"10.{n // 256 % 256}.{n % 256}.0/24"},
    "ipaddresses": lambda n, b: {"dhcp_expose": False},
    "security-scans": lambda n, b: {"host_ip": _scanned_ip(n, b)},
    "transitions": lambda n, b: {"model": "back_office.backofficeasset", "source": ["new"], "target": "in use",
                              "actions": ["assign_user"]},
}


#: Values of the patterns fields are declared with (``Field.validators``), by pattern.
PATTERN_SAMPLES = {r"^\d+$": lambda f, n: str(n).zfill(f.min_length or 1), r"^\+\d+$": lambda f, n: f"+{n}",
                   r"^([1-9][A,B]?|1[0-6][A,B]?)$": lambda f, n: f"{n % 16 + 1}A"}


def sample(f: Field, n: int):
    """A valid value of field ``f`` (``n`` keeps unique values apart)."""
    kind = f.kind
    for rule, pattern, _message in f.validators:
        if rule == "regex" and pattern in PATTERN_SAMPLES:
            return PATTERN_SAMPLES[pattern](f, n)
    if f.joined:
        return [f"{f.name[:6]}-{n}"]
    if f.text_format == "url":
        return f"http://example.com/{n}"
    if f.text_format == "email":
        return f"user{n}@example.com"
    if kind in ("string", "text", "password"):
        text = f"{f.name[:6]}-{n}"
        return text[-f.max_length:] if f.max_length else text
    if kind == "int":
        return n % 40 + 1
    if kind == "bool":
        return True
    if kind == "date":
        return "2024-01-02"
    if kind == "datetime":
        return "2024-01-02T03:04:05"
    if kind == "decimal":
        return "1.50" if f.decimal_places >= 2 else "1"
    if kind == "float":
        return 1.5
    if kind == "choice":
        return f.choices[min(1, len(f.choices) - 1)][1]
    if kind == "ip":
        return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    if kind == "mac":
        return ":".join(f"{(n >> s) & 0xFF:02X}" for s in (40, 32, 24, 16, 8, 0))
    if kind == "json":
        return [f"10.9.{n // 256 % 256}.{n % 256}"] if f.many else {"k": n}
    if kind == "tags":
        return [f"tag-{n}", "common"]
    if kind == "permissions":
        return ["view_datacenterasset", "change_rack"]
    raise ValueError(kind)


class Builder:
    """Creates records through the API, creating required targets first."""

    def __init__(self, api):
        self.api = api
        self.made: dict[str, int] = {}

    def concrete(self, name: str) -> Resource:
        res = CATALOG[name]
        return CATALOG["data-center-assets"] if res.polymorphic else res

    def target_id(self, name: str) -> int:
        res = self.concrete(name)
        if res.name not in self.made:
            self.made[res.name] = self.create(res)["id"]
        return self.made[res.name]

    def body(self, res: Resource, full: bool = True) -> dict:
        """Every writable field (``full``) or only the required ones."""
        n = next(_counter)
        ruled = RULES[res.name](n, self) if res.name in RULES else {}
        body = {}
        for f in res.writable_fields:
            if not (full or f.required) or f.name in ruled:
                continue
            if f.target and self.concrete(f.target).name == res.name:
                if f.required:
                    body[f.name] = None if f.kind == "fk" else []
                continue
            if f.kind == "fk":
                if f.required or (f.target in CATALOG and "POST" in self.concrete(f.target).methods):
                    if "POST" in self.concrete(f.target).methods or f.required:
                        body[f.name] = self.target_id(f.target)
            elif f.kind == "m2m":
                if "POST" in self.concrete(f.target).methods:
                    body[f.name] = [self.target_id(f.target)]
            else:
                body[f.name] = sample(f, n)
        return body | ruled

    def create(self, res: Resource, full: bool = False) -> dict:
        result = self.api.post(f"/api/{res.name}/", self.body(res, full))
        assert result.status_code == 201, (res.name, result.text)
        return result.json
