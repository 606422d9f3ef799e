"""One domain: overview, users, and the tabs each capability adds."""

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from screens.detail_tabs import DETAIL_TABS
from screens.life_actions import disk_text
from screens.user_forms import AddUserScreen, ConfirmScreen, NewUser, PasswordScreen
from screens.widgets.domain_tab import DomainTab
from screens.widgets.services import ServiceCommands, ServicesView
from virttui.domains.accounts import BadAccount, add_user, delete_user, set_password
from virttui.domains.discovery import DevLog, Domain, Root, load_details
from virttui.names import printable

if TYPE_CHECKING:
    from screens.app import VirtTuiApp

DEVLOG_EXPLAINED = {
    DevLog.LINKED: "linked to the root's log socket: programs in the domain can log",
    DevLog.STALE: "STALE: a link to an old socket (the syslog daemon recreated its socket); relink it",
    DevLog.MISSING: "MISSING: programs in the domain cannot log; relink to create it",
    DevLog.NOT_SOCKET: "NOT A SOCKET: something else stands at dev/log; look at it by hand",
    DevLog.NO_SOCKET: "the root's log socket does not exist: is the syslog daemon listening on it?",
    DevLog.OWN: "its own socket (per-domain log mode): rsyslogd listens on it",
    DevLog.UNKNOWN: "not looked at yet",
}


def overview_content(domain: Domain, model: Root | None) -> Content:
    """The Overview tab: every value from the domain (paths, names, addresses, problems) as data."""
    def line(template: str = "", **values: str) -> Content:
        return Content.from_markup(template, **{name: printable(value) for name, value in values.items()})

    lines = [line("[b]Path[/b]      $path", path=str(domain.path))]
    if domain.alias_of:
        lines.append(line("[b]Alias of[/b]  $target  (press o to open it)", target=domain.alias_of))
    if domain.aliases:
        lines.append(line("[b]Aliases[/b]   $aliases", aliases=", ".join(domain.aliases)))
    lines += [line(), line("[b]Addresses by service[/b]")]
    target = model.domain(domain.alias_of) if (model and domain.alias_of) else domain
    addresses = (target or domain).addresses
    for service in sorted(addresses):
        lines.append(line("  $service $addresses", service=f"{service:<8}", addresses=" ".join(addresses[service])))
    if not addresses:
        lines.append(line("  none: no conf.SERVICE line sends traffic here"))
    lines += [line(), line("[b]Conf lines sending traffic here[/b]")]
    conf_lines = model.conf_lines_to(domain) if model else []
    lines.extend(line("  $where $address", where=f"{name}:{lineno:<4}", address=address)
                 for name, lineno, address in conf_lines)
    if not conf_lines:
        lines.append(line("  none"))
    if not domain.alias_of:
        lines += [line(), line("[b]dev/log[/b]   $state", state=DEVLOG_EXPLAINED.get(domain.devlog, domain.devlog)),
                  line("[b]Disk use[/b]  $disk", disk=disk_text(domain))]
        if domain.state == "disabled":
            lines.append(line("[b]State[/b]     [$warning]disabled[/]: its conf lines are commented out (D enables it)"))
    lines.append(line())
    if domain.problems:
        lines.append(line("[b]Problems[/b]"))
        lines.extend(line("  [$error]•[/] $problem", problem=problem) for problem in domain.problems)
    else:
        lines.append(line("[b]Problems[/b]  none"))
    return Content("\n").join(lines)


class DomainDetailScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    CSS_PATH = "detail.tcss"
    COMMANDS = Screen.COMMANDS | {ServiceCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        # One footer entry for the tabs' keys (1 Overview ... 5 Services), each bound below.
        Binding("1", "show_tab('overview')", "Tabs", key_display=f"1-{2 + len(DETAIL_TABS)}",
                tooltip="1 Overview, 2 Users, then " + ", ".join(f"{n} {tab.title}" for n, tab in
                                                                  enumerate(DETAIL_TABS, start=3))),
        # The Services tab's keys, shown on that tab only (check_action), first in its footer.
        Binding("e", "service('enable')", "Enable", tooltip="Enable the selected service on an address"),
        Binding("u", "service('disable')", "Disable", tooltip="Disable the selected service (its conf lines)"),
        Binding("ctrl+r", "service('refresh')", "Refresh", tooltip="Probe the services and read the log again"),
        Binding("o", "open_target", "Open target", show=False),
        Binding("x", "run_command", "Run…", tooltip="Run a catalog command in the domain"),
        Binding("a", "add_user", "Add", tooltip="Add a user"),
        Binding("p", "change_password", "Passwd", tooltip="Change the selected user's password"),
        Binding("d", "delete_user", "Delete", tooltip="Delete the selected user"),
        Binding("L", "relink", "Relink", key_display="L", tooltip="Relink dev/log to the log socket"),
        Binding("s", "life('open_shell')", "Shell", tooltip="sh in the domain through virtexec"),
        Binding("A", "life('edit_addresses')", "Addresses", show=False, key_display="A"),
        Binding("D", "life('toggle_disabled')", "Disable/enable", show=False, key_display="D"),
        Binding("R", "life('rename_domain')", "Rename", show=False, key_display="R"),
        Binding("delete", "life('delete_domain')", "Delete domain", show=False),
        Binding("U", "disk_use", "Disk use", show=False, key_display="U"),
        Binding("2", "show_tab('users')", "Users", show=False),
        *(Binding(str(key), f"show_tab({tab.id!r})", tab.title, show=False)
          for key, tab in enumerate(DETAIL_TABS, start=3)),
    ]

    def __init__(self, domain: Domain) -> None:
        super().__init__()
        self.domain = domain

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            with TabPane("Overview", id="overview"):
                with VerticalScroll():
                    yield Static(id="overview-text")
            with TabPane("Users", id="users"):
                yield DataTable(id="users-table", cursor_type="row", zebra_stripes=True)
                yield Static(id="system-accounts", markup=False)
            for tab in DETAIL_TABS:
                with TabPane(tab.title, id=tab.id):
                    yield tab.make(self.domain)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "virttui"
        self.sub_title = self.domain.name
        table = self.query_one("#users-table", DataTable)
        table.add_columns("User", "UID", "Full name", "Home", "Shell")
        if self.domain.loaded and self.accounts.loaded:
            self.show_domain()
        else:
            self.load_domain()

    @work(thread=True, exclusive=True)
    def load_domain(self) -> None:
        load_details(self.domain, self.app.settings.devlog_target)
        if self.accounts is not self.domain:
            load_details(self.accounts, self.app.settings.devlog_target)
        self.app.call_from_thread(self.show_domain)

    @property
    def accounts(self) -> Domain:
        """The domain whose users this one has: itself, or an alias's target."""
        model = self.app.root_model
        target = model.domain(self.domain.alias_of) if (model and self.domain.alias_of) else None
        return target or self.domain

    def show_domain(self) -> None:
        domain = self.domain
        self.query_one("#overview-text", Static).update(overview_content(domain, self.app.root_model))
        table = self.query_one("#users-table", DataTable)
        table.clear()
        accounts = self.accounts
        for user in accounts.people:
            table.add_row(*(Text(printable(cell)) for cell in (user.name, str(user.uid), user.gecos, user.home, user.shell)),
                          key=user.name)
        system = [u.name for u in accounts.users if u.system]
        if domain.alias_of:
            note = f"An alias shares the users of {domain.alias_of}."
        elif not domain.people:
            note = "No user accounts."
        else:
            note = ""
        if system:
            note = (note + "\n" if note else "") + f"System accounts: {', '.join(system)}"
        self.query_one("#system-accounts", Static).update(note)
        for view in self.query(DomainTab):
            view.show_domain(domain)

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_service(self, verb: str) -> None:
        self.query_one(ServicesView).prompt_for("", verb)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        tabs = self.query(TabbedContent)
        return action != "service" or (bool(tabs) and tabs.first().active == "services")

    def on_tabbed_content_tab_activated(self) -> None:
        self.refresh_bindings()

    # -- user accounts (the domain's own tools, through virtexec) ---------------

    @property
    def account_domain(self) -> str:
        return self.domain.alias_of or self.domain.name

    def selected_user(self) -> str | None:
        table = self.query_one("#users-table", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_add_user(self) -> None:
        def added(new: NewUser | None) -> None:
            if new is not None:
                self.change_accounts(f"{new.name} added", add_user, new.name, new.full_name, new.password)
        self.action_show_tab("users")
        self.app.push_screen(AddUserScreen(self.account_domain), added)

    def action_change_password(self) -> None:
        user = self.selected_user()
        if user is None:
            self.notify("No user to change: add one with a", severity="warning")
            return
        def chosen(password: str | None) -> None:
            if password is not None:
                self.change_accounts(f"password of {user} changed", set_password, user, password)
        self.app.push_screen(PasswordScreen(self.account_domain, user), chosen)

    def action_delete_user(self) -> None:
        user = self.selected_user()
        if user is None:
            self.notify("No user to delete", severity="warning")
            return
        def answered(yes: bool | None) -> None:
            if yes:
                self.change_accounts(f"{user} deleted", delete_user, user)
        self.app.push_screen(ConfirmScreen(f"Delete {user} and their home from {self.account_domain}?"), answered)

    @work(thread=True, exclusive=True, group="accounts")
    def change_accounts(self, success: str, action, *arguments) -> None:
        try:
            result = action(self.app.settings.root, self.account_domain, *arguments)
        except BadAccount as error:
            self.app.call_from_thread(self.notify, printable(str(error)), severity="error", markup=False)
            return
        runs = result if isinstance(result, list) else [result]
        failed = next((run for run in runs if run.status != 0), None)
        if failed is None:
            self.app.call_from_thread(self.notify, printable(success), markup=False)
        else:
            said = failed.output.strip().splitlines()[-1:] or [f"status {failed.status}"]
            self.app.call_from_thread(self.notify, printable(f"{failed.argv[3]} failed: {said[0]}"),
                                  severity="error", markup=False)
        load_details(self.accounts, self.app.settings.devlog_target)
        self.app.call_from_thread(self.show_domain)

    def action_relink(self) -> None:
        self.app.relink_devlog(self.account_domain, then=self.load_domain)

    def action_life(self, step: str) -> None:
        getattr(self.app, step)(self.domain.name)

    def action_disk_use(self) -> None:
        self.app.count_disk_use([self.accounts], then=self.show_disk_use)

    def show_disk_use(self) -> None:
        self.domain.disk = self.accounts.disk
        self.query_one("#overview-text", Static).update(overview_content(self.domain, self.app.root_model))

    def action_run_command(self) -> None:
        self.app.run_command_in(self.domain.name)

    def action_open_target(self) -> None:
        if self.domain.alias_of:
            self.app.open_domain(self.domain.alias_of)
