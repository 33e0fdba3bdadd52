"""Transition actions: what each model's transitions may do, declared as Ralph's models declare them.

An :class:`Action` names its parameters (Ralph's form fields), the actions
it runs after, a precondition and its effect, all by name; the effects and
checks live in :mod:`commands.transitions`. Only the actions Ralph-ES
carries out are declared: a transition naming another one is refused when
it is configured.
"""

from __future__ import annotations

from dataclasses import dataclass

from .choices import COUNTRIES


@dataclass(frozen=True)
class Param:
    """One parameter of an action (a field of Ralph's transition form).

    ``form`` is Ralph's form field class (it decides the OPTIONS type);
    ``target`` the resource whose record id the value names; ``history``
    the key the value has in the history entry (default: ``label``);
    ``condition`` names a check on the object: the parameter is asked for
    only when it holds. ``in_history`` False keeps it out of the history
    entry; ``choices`` are (value, name) pairs of a ChoiceField (the history
    entry shows the name); ``max_length`` bounds a text value by the field
    it is written to.
    """

    name: str
    form: str
    label: str
    required: bool = True
    target: str | None = None
    history: str = ""
    condition: str = ""
    in_history: bool = True
    choices: tuple[tuple[int, str], ...] | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Action:
    """One transition action of a model.

    ``alone``: a transition with this action may have no other (Ralph's
    ``only_one_action``, the conversions).
    """

    name: str
    params: tuple[Param, ...] = ()
    run_after: tuple[str, ...] = ()
    verbose_name: str = ""
    help_text: str = ""
    precondition: str = ""
    asynchronous: bool = False
    alone: bool = False

    @property
    def verbose(self) -> str:
        """Ralph's default verbose name: the function name, capitalised, with spaces."""
        return self.verbose_name or self.name.replace("_", " ").capitalize()


def _user(name: str, label: str, **kw) -> Param:
    return Param(name, "CharField", label, target="users", history=name, **kw)


def _assign_user(run_after=()) -> Action:
    return Action("assign_user", (_user("user", "User"),), run_after)


def _assign_owner(run_after=(), help_text="assign owner") -> Action:
    return Action("assign_owner", (_user("owner", "Owner"),), run_after, help_text=help_text)


ACCEPT = Action("accept_asset_release_agreement", (
    Param("accept", "BooleanField", "I have read and fully understand and accept the agreement."),))
ASSIGN_REQUESTER = Action("assign_requester_as_an_owner", run_after=("release_report",))
CHANGE_USER_AND_OWNER = Action("change_user_and_owner", (
    _user("user", "User"), _user("owner", "Owner", condition="has_owner")))
ASSIGN_WAREHOUSE = Action("assign_warehouse", (
    Param("warehouse", "CharField", "Warehouse", target="warehouses", history="warehouse"),))
ASSIGN_SERVICE_ENV = Action("assign_service_env", (
    Param("service_env", "CharField", "Service-environment", target="services-environments",
          history="service env"),), ("clean_dns", "clean_dhcp"), verbose_name="Change service-env")
ASSIGN_CONFIGURATION_PATH = Action("assign_configuration_path", (
    Param("configuration_path", "CharField", "Configuration path", target="configuration-classes",
          history="configuration path"),), ("clean_dns", "clean_dhcp"), verbose_name="Change configuration_path")
CLEANUP_SECURITY_SCANS = Action("cleanup_security_scans")
#: The languages of report templates (Ralph's ``reports.ReportLanguage``): one, English.
REPORT_LANGUAGES = ((1, "en"),)
#: What ``send_attachments_to_user`` says of itself: no mail server is configured.
NO_MAIL = "No mail server is configured in Ralph-ES: the action is recorded and sends nothing."


def _report(name: str, run_after=(), precondition="") -> Action:
    """A report action: a document from a template, stored and linked from the history entry."""
    return Action(name, (Param("report_language", "ChoiceField", "Report language", in_history=False,
                               choices=REPORT_LANGUAGES),), tuple(run_after), precondition=precondition)


RELEASE_REPORT = _report("release_report", ("assign_owner", "assign_user"))


def _send_attachments(run_after) -> Action:
    return Action("send_attachments_to_user", run_after=tuple(run_after), help_text=NO_MAIL)


#: What an action of a DNS, DHCP or deployment integration says of itself here.
NOT_CONFIGURED = "Integration not configured in Ralph-ES: the action is recorded and does nothing."


def _integration(name: str, verbose_name: str, run_after=(), asynchronous=False) -> Action:
    """An action of Ralph's DNS/DHCP/deployment integrations: a recorded no-op (no such service here)."""
    return Action(name, (), tuple(run_after), verbose_name, NOT_CONFIGURED, asynchronous=asynchronous)


#: Ralph's DNSaaS, DHCP and deployment (preboot) actions of data-center assets and virtual servers.
INTEGRATIONS = (
    _integration("clean_hostname", "Clean hostname"),
    _integration("clean_dns", "Clean DNS entries", ("clean_hostname",), asynchronous=True),
    _integration("clean_ipaddresses", "Clean IP addresses", ("clean_dns",)),
    _integration("clean_dhcp", "Clean DHCP entries", ("clean_dns", "clean_ipaddresses")),
    _integration("remove_from_dhcp_entries", "Remove from DHCP entries"),
    _integration("assign_new_hostname", "Assign new hostname", ("clean_dns", "clean_dhcp", "clean_hostname")),
    _integration("assign_new_ip", "Assign new IP", ("assign_new_hostname",)),
    _integration("replace_ip", "Replace IP"),
    _integration("create_dhcp_entries", "Assign new IP address and create DHCP entries",
                 ("assign_new_hostname", "clean_ipaddresses", "clean_dhcp")),
    _integration("wait_for_dhcp_servers", "Wait for DHCP servers", ("create_dhcp_entries",), asynchronous=True),
    _integration("create_dns_entries", "Create DNS entries", ("assign_new_hostname", "create_dhcp_entries")),
    _integration("deploy", "Apply preboot", ("assign_new_hostname", "create_dhcp_entries", "wait_for_dhcp_servers",
                                             "create_dns_entries"), asynchronous=True),
    _integration("wait_for_ping", "Wait for ping", ("deploy",), asynchronous=True),
)

def _to(name: str, label: str, target: str, history: str) -> Param:
    """A parameter naming a record (Ralph's autocomplete field): its id."""
    return Param(name, "CharField", label, target=target, history=history)


#: What ``assign_hostname_if_empty_or_country_not_match`` says of itself.
AUTO_HOSTNAME = ("Gives the asset a new hostname when it has none or its region's country is not in it, if "
                 "RALPH_ES_BACK_OFFICE_ASSET_AUTO_ASSIGN_HOSTNAME is set (Ralph's "
                 "BACK_OFFICE_ASSET_AUTO_ASSIGN_HOSTNAME); otherwise it does nothing.")

BACK_OFFICE = (
    ACCEPT,
    Action("assign_hostname_if_empty_or_country_not_match", help_text=AUTO_HOSTNAME),
    Action("change_hostname", (Param("country", "ChoiceField", "Country", choices=COUNTRIES),)),
    Action("convert_to_data_center_asset", (
        _to("rack", "Rack", "racks", "rack"), Param("position", "IntegerField", "Position", history="position"),
        _to("model", "Model", "assetmodels", "model"),
        _to("service_env", "Service env", "services-environments", "service env")),
        verbose_name="Convert to DataCenter Asset", alone=True),
    Action("add_remarks", (Param("remarks", "CharField", "Remarks", history="remarks"),)),
    Action("assign_licence", (Param("licences", "ModelMultipleChoiceField", "Licence", required=False,
                                    target="licences", history="licences"),), ("unassign_licences",)),
    Action("assign_loan_end_date", (Param("loan_end_date", "DateField", "Loan end date"),)),
    Action("assign_office_infrastructure", (
        Param("office_infrastructure", "CharField", "Office infrastructure", target="office-infrastructures",
              history="office infrastructure"),)),
    _assign_owner(("unassign_owner",), help_text=(
        "During this transition owner will be assigned as well as new hostname might be generated for asset "
        "(only for particular model categories and only if owner's country has changed)")),
    ASSIGN_REQUESTER,
    Action("assign_task_url", (Param("task_url", "URLField", "task URL", history="task url"),)),
    _assign_user(("unassign_user",)),
    ASSIGN_WAREHOUSE,
    CHANGE_USER_AND_OWNER,
    Action("hardware_replacement"),
    Action("last_status"),
    _report("loan_report", ("assign_owner", "assign_user", "assign_loan_end_date")),
    Action("must_be_owner_of_asset", precondition="requester_is_owner"),
    Action("must_be_user_of_asset", precondition="requester_is_user"),
    RELEASE_REPORT,
    _report("return_report", precondition="user_assigned"),
    _send_attachments(("release_report", "return_report", "loan_report")),
    Action("unassign_licences"),
    Action("unassign_loan_end_date"),
    Action("unassign_owner", run_after=("loan_report", "return_report")),
    Action("unassign_user", run_after=("loan_report", "return_report")),
)

ACCESS_CARD = (
    ACCEPT,
    Action("add_notes", (Param("notes", "CharField", "notes", history="notes"),)),
    _assign_owner(),
    ASSIGN_REQUESTER,
    _assign_user(),
    Action("clear_access_zones"),
    RELEASE_REPORT,
    _send_attachments(("release_report",)),
    Action("unassign_owner"),
    Action("unassign_user"),
)

SIM_CARD = (
    ACCEPT,
    _assign_owner(("unassign_owner",)),
    ASSIGN_REQUESTER,
    _assign_user(("unassign_user",)),
    ASSIGN_WAREHOUSE,
    Action("card_number_to_notes", (Param("card number", "CharField", "card number", max_length=22),)),
    Action("change_pin_and_puk", (Param("pin1", "CharField", "pin1", max_length=8),
                                  Param("puk1", "CharField", "puk1", max_length=16))),
    CHANGE_USER_AND_OWNER,
    Action("quarantine_date"),
    RELEASE_REPORT,
    _send_attachments(("release_report",)),
    Action("unassign_owner", run_after=("loan_report", "return_report")),
    Action("unassign_user", run_after=("loan_report", "return_report")),
)

DATA_CENTER = (
    ASSIGN_CONFIGURATION_PATH,
    ASSIGN_SERVICE_ENV,
    Action("change_rack", (Param("rack", "CharField", "Rack", target="racks", history="rack"),),
           verbose_name="Change rack"),
    Action("cleanup_scm_statuscheck", verbose_name="Cleanup scm status"),
    CLEANUP_SECURITY_SCANS,
    Action("convert_to_backoffice_asset", (_to("warehouse", "Warehouse", "warehouses", "warehouse"),
                                           _to("region", "Region", "regions", "region")),
           verbose_name="Convert to BackOffice Asset", alone=True),
    *INTEGRATIONS,
)

VIRTUAL = (
    ASSIGN_CONFIGURATION_PATH,
    ASSIGN_SERVICE_ENV,
    CLEANUP_SECURITY_SCANS,
    *INTEGRATIONS,
)

ACCESSORY = (
    Action("accessory_send", (Param("accessory_send", "IntegerField", "accessory_send"),)),
    Action("release_accessories", (_user("user", "User"), Param("quantity", "IntegerField", "Quantity"))),
    Action("restock", (Param("restock", "IntegerField", "restock"),)),
)

#: The actions of each resource with transitions, by name (clusters have none, as in Ralph).
ACTIONS: dict[str, dict[str, Action]] = {
    resource: {a.name: a for a in actions} for resource, actions in (
        ("back-office-assets", BACK_OFFICE), ("access-card", ACCESS_CARD), ("sim-card", SIM_CARD),
        ("data-center-assets", DATA_CENTER), ("virtual-servers", VIRTUAL), ("clusters", ()),
        ("accessory-stock", ACCESSORY))
}
