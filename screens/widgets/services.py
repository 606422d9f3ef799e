"""The Services tab of the domain detail: each catalog service, the domain's addresses for
it, its profile and server in the domain, whether something answers on each ADDRESS:PORT,
the last line its server logged for the domain, and the virtuald dispatchers serving its
conf file with their live counts (their status files, read every few seconds). Enabling and disabling go through the
address prompt (screens.service_prompt) and the core's enable/disable.

The disk, the probes and the log are read in workers; the view follows the reactives."""

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from screens.widgets.domain_tab import DomainTab
from virttui.domains.discovery import Domain
from virttui.names import printable
from virttui.services.catalog import ConfigError, Service, load_services
from virttui.services.enabling import Enabled, disable, enable
from virttui.services.state import ServiceState, domain_services
from virttui.syslog.last_seen import last_lines, log_program
from virttui.syslog.logline import LogLine, shown
from virttui.virtuald import status as dispatcher_status

if TYPE_CHECKING:
    from screens.app import VirtTuiApp

NONE = Text("-", style="dim")
YES_NO = {True: Text("yes", style="green"), False: Text("no", style="red"), None: Text("?", style="dim")}


def listening_cell(state: ServiceState, probed: bool) -> Text:
    if not state.endpoints:
        return NONE
    if not probed:
        return Text("…", style="dim")
    answering = sum(1 for e in state.endpoints if e.listening)
    if answering == len(state.endpoints):
        return YES_NO[True]
    if not answering:
        return YES_NO[False]
    return Text(f"{answering} of {len(state.endpoints)}", style="yellow")


def short_time(line: LogLine) -> str:
    """'Nov 24 09:00:01', or '2026-11-24 09:02:00' for a high-precision stamp."""
    return line.time[:19].replace("T", " ") if "T" in line.time else line.time


def enabled_lines(done: Enabled) -> list[str]:
    """What an enable did, one line each (as `virttui enable` says it)."""
    lines = [f"{done.domain}: profile {done.profile_added} added"] if done.profile_added else []
    if done.edit is not None and done.edit.added:
        lines += [f"conf.{done.service.name}: added {' '.join(line.split())}" for line in done.edit.added]
    else:
        lines.append(f"{done.domain}: {done.service.name} was already enabled on those addresses")
    if done.edit is not None:
        lines += [f"warning: {warning}" for warning in done.edit.warnings]
    return lines + done.notes


class ServicesView(DomainTab):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    DEFAULT_CSS = """
    ServicesView > DataTable {
        height: auto;
        max-height: 50%;
    }
    ServicesView > VerticalScroll {
        height: 1fr;
    }
    ServicesView #service-detail {
        padding: 1 1 0 1;
    }
    """

    states: reactive[tuple[ServiceState, ...]] = reactive(tuple)
    probed = reactive(False)                      # the states' endpoints have been probed
    seen: reactive[dict[str, LogLine]] = reactive(dict)   # log program -> its last line
    log_problem = reactive("")
    problem = reactive("")                        # the catalog could not be read
    highlighted = reactive("")                    # the service under the table's cursor
    dispatchers: reactive[dict[str, tuple]] = reactive(dict)   # service -> the dispatchers serving its conf

    DISPATCHER_EVERY = 2.0  # seconds between reads of the dispatchers' status files

    def __init__(self, domain: Domain) -> None:
        super().__init__(domain)
        self.services: dict[str, Service] = {}
        self.stale = True   # the domain changed since the tab was last read

    def compose(self) -> ComposeResult:
        yield DataTable(id="services-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll():
            yield Static(id="service-detail")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Service", "Addresses", "Profile", "Server", "Listening", "Last seen")
        self.set_interval(self.DISPATCHER_EVERY, self.dispatchers_if_shown)

    @property
    def served(self) -> str:
        """The domain whose services these are: itself, or an alias's target."""
        return self.domain.alias_of or self.domain.name

    def show_domain(self, domain: Domain) -> None:
        self.domain = domain
        self.stale = True
        if self.shown:
            self.refresh_services()

    @property
    def shown(self) -> bool:
        return all(node.display for node in self.ancestors_with_self if isinstance(node, Widget))

    def on_show(self) -> None:
        # Read only when the tab is open: a probe is a connection the domain's server answers
        # (and logs), which a look at another tab should not cause.
        if self.stale:
            self.refresh_services()

    def refresh_services(self) -> None:
        self.stale = False
        self.load_states(self.served)

    # -- reading (workers) --------------------------------------------------

    @work(thread=True, exclusive=True, group="service-states")
    def load_states(self, name: str) -> None:
        settings = self.app.settings
        worker = get_current_worker()
        try:
            services = load_services(settings.services)
        except ConfigError as error:
            self.app.call_from_thread(self._show_states, {}, (), False, str(error))
            return
        first = tuple(domain_services(settings.root, name, services, probe=False))
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._show_states, services, first, False, "")
        self.app.call_from_thread(self.read_dispatchers, services)
        self.app.call_from_thread(self.read_last_seen, name, {log_program(s.argv) for s in services.values()})
        probed = tuple(domain_services(settings.root, name, services, probe=True))
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_states, services, probed, True, "")

    def _show_states(self, services: dict[str, Service], states: tuple[ServiceState, ...], probed: bool,
                     problem: str) -> None:
        self.services = services
        self.problem = problem
        self.probed = probed
        self.states = states

    @work(thread=True, exclusive=True, group="service-log")
    def read_last_seen(self, name: str, programs: set[str]) -> None:
        log_file = self.app.settings.log_file
        try:
            seen, problem = last_lines(log_file, name, programs), ""
        except OSError as error:
            seen, problem = {}, f"{log_file}: {error.strerror}"
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_seen, seen, problem)

    def _show_seen(self, seen: dict[str, LogLine], problem: str) -> None:
        self.log_problem = problem
        self.seen = seen

    def dispatchers_if_shown(self) -> None:
        if self.shown and self.services:
            self.read_dispatchers(dict(self.services))

    @work(thread=True, exclusive=True, group="service-dispatchers")
    def read_dispatchers(self, services: dict[str, Service]) -> None:
        root = self.app.settings.root
        found = {name: tuple(dispatcher_status.serving(service.conf_path(root)))
                 for name, service in services.items()}
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_dispatchers, found)

    def _show_dispatchers(self, found: dict[str, tuple]) -> None:
        if found != self.dispatchers:
            self.dispatchers = found

    # -- the view -------------------------------------------------------------

    def watch_states(self) -> None:
        self.show_table()

    def watch_probed(self) -> None:
        self.show_table()

    def watch_seen(self) -> None:
        self.show_table()

    def watch_problem(self) -> None:
        self.show_detail()

    def watch_log_problem(self) -> None:
        self.show_detail()

    def watch_highlighted(self) -> None:
        self.show_detail()

    def watch_dispatchers(self) -> None:
        self.show_detail()

    def last_line(self, state: ServiceState) -> LogLine | None:
        return self.seen.get(log_program(state.service.argv))

    def show_table(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for state in self.states:
            line = self.last_line(state)
            table.add_row(
                Text(state.service.name, style="bold"),
                Text(" ".join(state.addresses)) if state.addresses else NONE,
                YES_NO[state.profile_installed],
                YES_NO[state.server_present],
                listening_cell(state, self.probed),
                Text(short_time(line)) if line else NONE,
                key=state.service.name)
        if self.states:
            table.move_cursor(row=min(row, len(self.states) - 1))
        self.show_detail()

    @on(DataTable.RowHighlighted, "#services-table")
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.highlighted = event.row_key.value or ""

    def selected(self) -> ServiceState | None:
        table = self.query_one(DataTable)
        if not self.states or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((s for s in self.states if s.service.name == key), None)

    def show_detail(self) -> None:
        self.query_one("#service-detail", Static).update(self.detail_text())

    def detail_text(self) -> Text:
        text = Text()
        if self.domain.alias_of:
            text.append(f"An alias: the services of {self.served}, which it shares.\n\n", style="dim")
        if self.problem:
            return text.append(f"✗ {printable(self.problem)}", style="red")
        if not self.states:
            return text.append("No service in the catalog." if self.services else "Reading…", style="dim")
        state = self.selected() or self.states[0]
        service = state.service
        conf = f"conf.{service.name}"
        text.append(service.name, style="bold").append(f"  {printable(service.description)}\n")
        text.append("Addresses  ", style="bold")
        if state.addresses:
            text.append(self._endpoints(state))
        else:
            text.append(f"none: no line of {conf} sends traffic here", style="dim")
        text.append("\nProfile    ", style="bold").append(f"{service.profile}: ")
        text.append(*{True: ("installed",), False: ("not installed (enabling installs it)", "yellow"),
                      None: ("unknown (no manifest etc/virtfs.json)", "dim")}[state.profile_installed])
        text.append("\nServer     ", style="bold").append(f"{printable(service.program)}: ")
        text.append(*{True: ("in the domain",), False: ("not in the domain", "yellow"),
                      None: ("unknown", "dim")}[state.server_present])
        text.append("\nLast seen  ", style="bold")
        line = self.last_line(state)
        if line is not None:
            text.append(shown(line.text))
        elif self.log_problem:
            text.append(f"- ({printable(self.log_problem)})", style="dim")
        else:
            text.append(f"- (no line of {log_program(service.argv)} for {self.served} "
                        "near the end of the log)", style="dim")
        for status in self.dispatchers.get(service.name, ()):
            text.append("\nServed by  ", style="bold").append(dispatcher_status.summary(status))
        if state.problem:
            text.append(f"\n✗ {printable(state.problem)}", style="red")
        hint = self._hint(state)
        if hint:
            text.append(f"\n\n{hint}", style="dim")
        return text

    def _endpoints(self, state: ServiceState) -> Text:
        """One line per ADDRESS:PORT and whether it answers; `default` says what it means."""
        lines = []
        width = max([len(e.shown) for e in state.endpoints] + [len("default")])
        for endpoint in state.endpoints:
            line = Text(f"{endpoint.shown:<{width}}  ")
            if not self.probed:
                line.append("…", style="dim")
            elif endpoint.listening:
                line.append("listening", style="green")
            else:
                line.append("nothing answers", style="red")
            lines.append(line)
        if "default" in state.addresses:
            lines.append(Text.assemble(f"{'default':<{width}}  ",
                                       (f"any address of conf.{state.service.name} without its own line", "dim")))
        return Text("\n" + " " * 11).join(lines)

    def _hint(self, state: ServiceState) -> str:
        name = state.service.name
        if not state.enabled:
            return f"e enables {name} on an address of this domain."
        if self.probed and state.endpoints and not any(e.listening for e in state.endpoints):
            return (f"Nothing answers: start a super-server for it "
                    f"(virttui service {name} --style inetd|xinetd|systemd|tcpserver). u disables it.")
        return f"e adds an address, u disables {name} here."

    # -- enable and disable --------------------------------------------------

    def prompt(self, verb: str) -> None:
        """Opens the address prompt for the highlighted service; refreshes after a change."""
        from screens.service_prompt import ServicePromptScreen

        state = self.selected()
        if state is None:
            self.notify("No service to " + verb, severity="warning")
            return
        if verb == "disable" and not state.enabled:
            self.notify(f"{state.service.name} is not enabled on {self.served}", severity="warning", markup=False)
            return
        settings, services, domain, service = self.app.settings, self.services, self.served, state.service.name
        if verb == "enable":
            def change(addresses: list[str]) -> list[str]:
                return enabled_lines(enable(settings, services, domain, service, addresses))
            start = [] if state.enabled else self.suggested_addresses()
        else:
            def change(addresses: list[str]) -> list[str]:
                result = disable(settings, services, domain, service, addresses or None)
                return ([f"conf.{service}: removed {' '.join(line.split())}" for line in result.removed]
                        or [f"{domain}: conf.{service} had no such line"])
            start = list(state.addresses)
        self.app.push_screen(ServicePromptScreen(verb, domain, state.service, start, change), self.changed)

    def prompt_for(self, name: str, verb: str) -> None:
        """Shows the tab, puts the cursor on service `name` (if given), then enables,
        disables or refreshes."""
        pane = next((a for a in self.ancestors if isinstance(a, TabPane)), None)
        tabs = next((a for a in self.ancestors if isinstance(a, TabbedContent)), None)
        if pane is not None and pane.id is not None and tabs is not None:
            tabs.active = pane.id
        table = self.query_one(DataTable)
        if name in {s.service.name for s in self.states}:
            table.move_cursor(row=table.get_row_index(name))
        if verb == "refresh":
            self.refresh_services()
        else:
            self.prompt(verb)

    def suggested_addresses(self) -> list[str]:
        """The addresses the domain already has for another service (its own addresses)."""
        found = []
        for state in self.states:
            found += [a for a in state.addresses if a != "default" and a not in found]
        return found[:1]

    def changed(self, done: list[str] | None) -> None:
        if done is None:
            return
        self.notify("\n".join(printable(line) for line in done), title="Services", markup=False)
        self.refresh_services()
        self.app.action_reload_in_background()


class ServiceCommands(Provider):
    """The Services tab's actions in the command palette of a domain's detail: enable or
    disable each catalog service, refresh the tab."""

    def _commands(self) -> list[tuple[str, Callable[[], None], str]]:
        views = self.screen.query(ServicesView)
        if not views:
            return []
        view = views.first()
        commands: list[tuple[str, Callable[[], None], str]] = [(f"Services of {view.served}: refresh", partial(view.prompt_for, "", "refresh"), "Probe and read the log again")]
        for state in view.states:
            name = state.service.name
            commands.append((f"Enable {name} on {view.served}", partial(view.prompt_for, name, "enable"),
                             "Add an address for it (the address prompt)"))
            if state.enabled:
                commands.append((f"Disable {name} on {view.served}", partial(view.prompt_for, name, "disable"),
                                 "Remove its conf lines for this domain"))
        return commands

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
