"""Named write rules that a declaration cannot express as field data.

A hook gets the command handler, the resource, the record id, the record's
values after the write (``merged``) and before it (``current``, None on
create), and returns values to store as well (computed fields) or raises
:class:`ValidationFailed`. Delete hooks get the values being deleted.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import unicodedata

from .catalog import CATALOG
from .catalog.actions import ACTIONS
from .catalog.display import display
from .catalog.transitions import KEEP_STATUS
from .passwords import new_token_salt
from .validation import ValidationFailed
from .validators import is_url


def attribute_name_from_name(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """Custom fields: ``attribute_name = slugify(name).replace("-", "_")``."""
    text = unicodedata.normalize("NFKD", merged.get("name") or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text.lower()).strip()
    return {"attribute_name": re.sub(r"[-\s]+", "-", text).replace("-", "_")}


#: The date input formats of Django's forms in Ralph's (en) locale.
_DATE_INPUTS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y")


def _custom_value_problem(kind, value: str, choices: str | None) -> str | None:
    """Django's form field message for a custom field value of type ``kind``, or None when it is valid."""
    value = value.strip()
    if kind == 2 and value:
        try:
            int(re.sub(r"\.0*\s*$", "", value))  # forms.IntegerField: "5.0" is 5
        except ValueError:
            return "Enter a whole number."
    elif kind == 3 and value:
        for pattern in _DATE_INPUTS:
            try:
                dt.datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
        else:
            return "Enter a valid date."
    elif kind == 4 and value and not is_url(value if "://" in value else "http://" + value):  # forms.URLField
        return "Enter a valid URL."
    elif kind == 5 and value not in (choices or "").split("|"):
        return f"Select a valid choice. {value} is not one of the available choices."
    return None


def custom_field_value(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """A value must suit its custom field's type (``CustomFieldValue.clean``: the form field's message, under
    ``__all__``)."""
    definition = commands.load_values("custom-fields", merged["custom_field"])
    problem = _custom_value_problem(definition.get("type"), merged.get("value") or "", definition.get("choices"))
    if problem:
        raise ValidationFailed({"__all__": [problem]})
    return {}


DEPTH_ORIENTATIONS, WIDTH_ORIENTATIONS = (1, 2, 3), (101, 102)


def _asset_errors(merged: dict) -> dict[str, list[str]]:
    """``Asset.clean``: an SN or a barcode, and an owner (``property_of``)."""
    errors: dict[str, list[str]] = {}
    if not merged.get("sn") and not merged.get("barcode"):
        errors["sn"] = errors["barcode"] = ["SN or BARCODE field is required"]
    if not merged.get("property_of"):
        errors["__all__"] = ["Property of field is required"]
    return errors


#: ``BackOfficeAsset``'s IMEI forms (since and until 2003).
_IMEI = (re.compile(r"^\d{8} *\d{6} *\d$"), re.compile(r"^\d{6} *\d{2} *\d{6} *\d$"))


def asset_identity(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """``Asset.clean`` (data-center assets)."""
    if errors := _asset_errors(merged):
        raise ValidationFailed(errors)
    return {}


def back_office_asset(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """``BackOfficeAsset.clean``: the asset rules, then each IMEI in an IMEI form (the first failure only)."""
    asset_identity(commands, res, pk, merged, current)
    for name in ("imei", "imei2"):
        value = merged.get(name)
        if value and not any(form.match(value) for form in _IMEI):
            raise ValidationFailed({name: [f"{value} is not IMEI format"]})
    return {}


def rack_position(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """Data-center assets: Ralph's orientation, position and slot rules."""
    errors: dict[str, list[str]] = {}
    position, orientation = merged.get("position"), merged.get("orientation")
    if position is not None:
        if position == 0 and orientation not in WIDTH_ORIENTATIONS:
            errors["orientation"] = ["Valid orientations for picked position are: left, right"]
        elif position > 0 and orientation not in DEPTH_ORIENTATIONS:
            errors["orientation"] = ["Valid orientations for picked position are: front, back, middle"]
    rack = commands.load_values("racks", merged["rack"]) if merged.get("rack") else None
    if rack and position is None and rack.get("require_position"):
        errors["position"] = ["Position is required for this rack"]
    elif rack and position is not None and position > rack.get("max_u_height", 0):
        errors["position"] = [f'Position is higher than "max u height" = {rack["max_u_height"]}']
    elif position is not None and position < 0:
        errors["position"] = ["Position should be 0 or greater"]
    slot = merged.get("slot_no")  # its form is the field's validator
    if merged.get("model"):
        blade = commands.load_values("assetmodels", merged["model"]).get("has_parent")
        if blade and not slot:
            errors["slot_no"] = ["Slot number is required when asset is blade"]
        elif not blade and slot:
            errors["slot_no"] = ["Slot number cannot be filled when asset is not blade"]
    if "slot_no" not in errors and merged.get("parent") is not None:
        taken = _slot_taken(commands, pk, merged["parent"], slot, orientation)
        if taken is not None:
            errors["slot_no"] = ['Slot is already occupied by: <a href="/data_center/datacenterasset/'
                                 f'{taken}/change/" target="_blank">'
                                 f'{display(res, taken, commands.load_values(res.name, taken), None)}</a>']
    if errors:
        raise ValidationFailed(errors)
    return {}


def _slot_taken(commands, pk, parent: int, slot, orientation) -> int | None:
    """The first other data-center asset in ``parent`` with this slot (None equals None) and orientation."""
    for ref in commands.store.references.referrers("base_object", parent, "data-center-assets", "parent"):
        if ref.pk != pk:
            values = commands.load_values("data-center-assets", ref.pk)
            if (values.get("slot_no"), values.get("orientation")) == (slot, orientation):
                return ref.pk
    return None


def configuration_class_path(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """``ConfigurationClass.save``: ``path`` is the module's name, ``/``, the class name (modules are not
    renamed through the API: Ralph's viewset takes GET and POST only)."""
    module = commands.load_values("configuration-modules", merged["module"])
    return {"path": f"{module['name']}/{merged['class_name']}"}


def service_env_from_parent(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """``CloudHost.save``: a host with a parent (its cloud project) takes the parent's service environment."""
    if merged.get("parent") is None:
        return {}
    return {"service_env": commands.load_values("base-objects", merged["parent"]).get("service_env")}


def licence_region(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """``BaseObjectLicence.clean``: a back-office asset takes only licences of its own region."""
    target = commands.referenced(CATALOG["base-objects"], merged["base_object"])
    if target.resource == "back-office-assets" and (
            commands.load_values("licences", merged["licence"]).get("region") != target.values.get("region")):
        raise ValidationFailed({"non_field_errors": ["Asset region is in a different region than licence."]})
    return {}


#: ``WebsiteType`` ids of domains: no website, a redirect.
WEBSITE_NONE, WEBSITE_REDIRECT = 1, 2


def domain_website(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """``Domain.clean``: no website URL for the type "None", one for "Redirect"."""
    if merged.get("website_type") == WEBSITE_NONE and merged.get("website_url"):
        raise ValidationFailed({"website_url": ["Website url should be empty for this website type"]})
    if merged.get("website_type") == WEBSITE_REDIRECT and not merged.get("website_url"):
        raise ValidationFailed({"website_url": ["Website url should be filled for this website type"]})
    return {}


def scm_ok(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """``SCMStatusCheck.save``: ``ok`` when the check result is "OK"."""
    return {"ok": merged.get("check_result") == 1}


def security_scan_host(commands, res, body: dict, current: dict | None) -> dict:
    """``SaveSecurityScanSerializer.to_internal_value``: the scanned host by its IP (``host_ip``, required), the
    ``external_vulnerabilities`` by their external ids merged into ``vulnerabilities``, ``is_patched`` computed
    (no vulnerability past its patch deadline). Ralph reports these errors as plain strings."""
    body, errors = dict(body), {}
    if "external_vulnerabilities" in body:
        sent = body["external_vulnerabilities"]
        external = {str(x) for x in (sent if isinstance(sent, list) else [sent]) if x is not None}
        found = {x: commands.find("vulnerabilities", "external_vulnerability_id", int(x))
                 for x in external if x.strip().isdigit()}
        unknown = sorted(x for x in external if found.get(x) is None)
        if unknown:
            errors["external_vulnerability"] = f"Unknow external_vulnerabilities: {', '.join(unknown)}"
        body["vulnerabilities"] = _listed(body) + [pk for pk in found.values() if pk is not None]
    host = _host_of_ip(commands, body.get("host_ip")) if body.get("host_ip") else None
    if not body.get("host_ip"):
        errors["host_ip"] = "Host IP is required"
    elif host is None:
        errors["host_ip"] = "IP is not assigned to any host"
    if errors:
        raise ValidationFailed(errors)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()
    deadlines = [commands.load_values("vulnerabilities", pk).get("patch_deadline") for pk in _listed(body)
                 if type(pk) is int and 0 < pk < 2**63 and commands.exists("vulnerabilities", pk)]
    return body | {"base_object": host, "is_patched": not any(d is not None and d < now for d in deadlines)}


def _listed(body: dict) -> list:
    """The ``vulnerabilities`` a body sends (as sent: they are validated later)."""
    return body["vulnerabilities"] if isinstance(body.get("vulnerabilities"), list) else []


def _host_of_ip(commands, raw) -> int | None:
    """The object an IP address is assigned to (through its ethernet), or None."""
    try:
        address = str(ipaddress.ip_address(str(raw).strip()))
    except ValueError:
        return None
    ip = commands.find("ipaddresses", "address", address)
    ethernet = commands.load_values("ipaddresses", ip).get("ethernet") if ip is not None else None
    return commands.load_values("ethernets", ethernet).get("base_object") if ethernet is not None else None


def name_or_hostname(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """Clusters need at least one of name and hostname."""
    if not merged.get("name") and not merged.get("hostname"):
        message = ["At least one of name or hostname is required"]
        raise ValidationFailed({"name": message, "hostname": message})
    return {}


def network_address(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """Networks: the address as its network (``10.0.0.5/24`` is ``10.0.0.0/24``, IPv6 in lower case) and its
    range (``min_ip``/``max_ip`` as integers)."""
    try:
        network = ipaddress.ip_network(merged.get("address") or "", strict=False)
    except ValueError as ex:
        raise ValidationFailed({"address": [str(ex) or "Enter a valid network address."]}) from None
    return {"address": str(network), "min_ip": str(int(network.network_address)),
            "max_ip": str(int(network.broadcast_address))}


def ip_number(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """IP addresses: the integer form of the address and whether it is public."""
    address = ipaddress.ip_address(merged["address"])
    return {"number": str(int(address)), "is_public": not address.is_private}


def dhcp_rules(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """IP addresses exposed in DHCP need a hostname and a MAC, and are locked."""
    errors: dict[str, list[str]] = {}
    if merged.get("dhcp_expose"):
        ethernet = commands.load_values("ethernets", merged["ethernet"]) if merged.get("ethernet") else {}
        if not ethernet.get("mac"):
            errors["dhcp_expose"] = ["Cannot expose in DHCP without MAC address"]
        if not merged.get("hostname"):
            errors["hostname"] = ["Cannot expose in DHCP without hostname"]
    if current and current.get("dhcp_expose"):
        if not merged.get("dhcp_expose"):  # IPAddressSaveSerializer.validate_dhcp_expose: a field error, alone
            raise ValidationFailed({"dhcp_expose": ["Cannot remove entry from DHCP. Use transition to do this."]})
        for name in ("hostname", "address", "ethernet"):
            if merged.get(name) != current.get(name):
                errors.setdefault("__all__", [f"Cannot change {name} when exposing in DHCP"])
                break
    if errors:
        raise ValidationFailed(errors)
    return {}


def _exposed_ip(commands, ethernet: int) -> bool:
    """True when the IP address on ``ethernet`` is exposed in DHCP."""
    ip = commands.find("ipaddresses", "ethernet", ethernet)
    return ip is not None and bool(commands.load_values("ipaddresses", ip).get("dhcp_expose"))


def ethernet_dhcp(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """``Ethernet.clean``: the MAC of an ethernet whose IP is exposed in DHCP may be neither emptied nor changed
    (``DHCP_ENTRY_FORBID_CHANGE``, True by default)."""
    if current is None or not _exposed_ip(commands, pk):
        return {}
    errors = ["MAC cannot be empty if record is exposed in DHCP"] if not merged.get("mac") else []
    errors += ["Cannot change MAC when exposing in DHCP"] if merged.get("mac") != current.get("mac") else []
    if errors:
        raise ValidationFailed({"__all__": errors})
    return {}


def ethernet_not_exposed(commands, res, pk, values: dict) -> None:
    """``EthernetViewSet.destroy``: an ethernet whose IP is exposed in DHCP cannot be deleted."""
    if _exposed_ip(commands, pk):
        raise ValidationFailed(["Could not delete Ethernet when it is exposed in DHCP"])


def not_exposed_in_dhcp(commands, res, pk, values: dict) -> None:
    """An IP address exposed in DHCP cannot be deleted (400 with a list body)."""
    if values.get("dhcp_expose"):
        raise ValidationFailed(["Could not delete IPAddress when it is exposed in DHCP"])


def _status_name(res, raw) -> str | None:
    """The name of one of ``res``'s statuses given by name or value, or None."""
    for value, name in res.get("status").choices:
        if raw == name or (not isinstance(raw, bool) and str(raw).strip() == str(value)):
            return name
    return None


def transition_rules(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """Transitions: statuses are the model's (stored by name), actions exist for the model."""
    kind = commands.load_values("transitions-model", merged["model"])["content_type"]
    model = next(r for r in CATALOG.values() if r.transitions and r.content_type == kind)
    errors: dict[str, list[str]] = {}
    source = merged.get("source")
    if not isinstance(source, list) or not source:
        errors["source"] = ["Expected a non-empty list of status names."]
        source = []
    names = []
    for raw in source:
        name = _status_name(model, raw)
        if name is None:
            errors.setdefault("source", []).append(f'"{raw}" is not a valid choice.')
        elif name not in names:
            names.append(name)
    sent = merged.get("target")
    keep = str(sent).strip().lower() in ("0", KEEP_STATUS.lower(), "keep original status")
    target = KEEP_STATUS if keep else _status_name(model, sent)
    if target is None:
        errors["target"] = [f'"{sent}" is not a valid choice.']
    actions = {pk: commands.load_values("transitions-action", pk)["name"] for pk in merged.get("actions") or []}
    for name in actions.values():
        if name not in ACTIONS[model.name]:
            errors.setdefault("actions", []).append(f'"{name}" is not an action of {kind}.')
        elif ACTIONS[model.name][name].alone and len(actions) > 1:
            errors.setdefault("actions", []).append(
                f"You have chosen action: {ACTIONS[model.name][name].verbose} can only be selected for transition")
    if errors:
        raise ValidationFailed(errors)
    return {"source": names, "target": target, "actions": sorted(actions, key=actions.get)}  # Ralph orders by name


def token_salt_with_password(commands, res, pk, merged: dict, current: dict | None) -> dict:
    """A new password revokes the user's API key (a new salt: see :func:`commands.passwords.api_token`)."""
    if current is not None and merged.get("password") != current.get("password"):
        return {"token_salt": new_token_salt()}
    return {}


HOOKS = {
    "attribute_name_from_name": attribute_name_from_name,
    "custom_field_value": custom_field_value,
    "rack_position": rack_position,
    "asset_identity": asset_identity,
    "back_office_asset": back_office_asset,
    "configuration_class_path": configuration_class_path,
    "service_env_from_parent": service_env_from_parent,
    "licence_region": licence_region,
    "domain_website": domain_website,
    "scm_ok": scm_ok,
    "security_scan_host": security_scan_host,
    "name_or_hostname": name_or_hostname,
    "network_address": network_address,
    "ip_number": ip_number,
    "dhcp_rules": dhcp_rules,
    "not_exposed_in_dhcp": not_exposed_in_dhcp,
    "ethernet_dhcp": ethernet_dhcp,
    "ethernet_not_exposed": ethernet_not_exposed,
    "transition_rules": transition_rules,
    "token_salt_with_password": token_salt_with_password,
}


def run_hooks(commands, res, pk, merged: dict, current: dict | None, clean: bool = True) -> dict:
    """Apply the resource's write hooks, after its ``clean_hooks`` when ``clean``; returns the computed values.

    The errors of the clean hooks are reported together with those of the first write hook that fails (a
    model's ``clean()`` collects its validators' errors)."""
    errors: dict = {}
    for name in res.clean_hooks if clean else ():
        try:
            HOOKS[name](commands, res, pk, merged, current)
        except ValidationFailed as ex:
            errors |= ex.errors
    computed: dict = {}
    try:
        for name in res.hooks:
            computed |= HOOKS[name](commands, res, pk, {**merged, **computed}, current)
    except ValidationFailed as ex:
        raise ValidationFailed(errors | ex.errors) from None
    if errors:
        raise ValidationFailed(errors)
    return computed


def run_prepare_hooks(commands, res, body, current: dict | None):
    """The body as the resource's ``prepare_hooks`` make it, before it is validated."""
    for name in res.prepare_hooks if isinstance(body, dict) else ():
        body = HOOKS[name](commands, res, body, current)
    return body


def run_delete_hooks(commands, res, pk, values: dict) -> None:
    """Apply the resource's delete hooks (they raise to refuse)."""
    for name in res.delete_hooks:
        HOOKS[name](commands, res, pk, values)
