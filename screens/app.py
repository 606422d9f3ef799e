"""The virttui application: the domains of a root and everything done to them."""

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding

from screens.domains import DomainsScreen
from screens.life_actions import DomainLife
from screens.palette import DomainCommands
from virttui.domains.discovery import Root
from virttui.domains.first_rows import FirstRowsReader
from virttui.names import printable
from virttui.settings import Settings

# Screens other than the first are imported when first shown: start-up pays only for
# what the first frame needs.


class VirtTuiApp(DomainLife, App):
    # The first screen's file too: read with the app's, the stylesheet is parsed once before
    # the first frame instead of once more when the domains screen comes up.
    CSS_PATH = ["app.tcss", "domains.tcss"]
    TITLE = "virttui"
    COMMANDS = App.COMMANDS | {DomainCommands}

    # n, c and l work everywhere; the domains screen shows them in its footer (the other
    # screens' own keys fill an 80-column footer).
    BINDINGS = [
        Binding("n", "new_domain", "New", tooltip="New domain (virtfs)", show=False),
        Binding("c", "show_conf", "Conf", tooltip="Conf files of virtuald", show=False),
        Binding("l", "show_log", "Log", tooltip="The shared log, live", show=False),
        Binding("h", "show_health", "Health", tooltip="Health: the host-wide check", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, settings: Settings, open_new_domain: bool = False, notice: str | None = None,
                 first_rows_reader: FirstRowsReader | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.root_model: Root | None = None
        self.first_rows_reader = first_rows_reader   # the domains screen's first rows, being read
        self.open_new_domain = open_new_domain
        self.notice = notice   # why the app is where it is (a demo root instead of the missing root)

    def get_default_screen(self) -> DomainsScreen:
        # The first screen as the default screen rather than a mode (MODES): Textual refreshes
        # the whole stylesheet when a mode's first screen comes up, two more parses of every
        # rule before the first frame.
        return DomainsScreen()

    def on_mount(self) -> None:
        if self.notice:
            self.notify(self.notice, title="Demo root", timeout=15, markup=False)
        if self.open_new_domain:
            self.call_after_refresh(self.action_new_domain)
        else:
            self.call_after_refresh(self.look_at_last_check)   # its thread would slow the first frame

    @work(thread=True, group="last-check")
    def look_at_last_check(self) -> None:
        """Open on the Health screen when the root's last check found errors."""
        from virttui.check.last import load

        last = load(self.settings.root)
        if last is not None and last.status == 2:
            self.call_from_thread(self.action_show_health, last)

    # Where the help screen finds the keys; each screen that binds keys adds itself here.
    def help_sources(self) -> list:
        from screens.bulk import BulkScreen
        from screens.conf import ConfScreen
        from screens.detail import DomainDetailScreen
        from screens.health import FindingsTable, HealthScreen
        from screens.log import LogScreen
        from screens.new_domain import NewDomainScreen
        from screens.problems import ProblemsScreen
        from screens.run_command import RunCommandScreen
        from screens.widgets.domain_table import DomainTable

        return [
            ("Everywhere", VirtTuiApp),
            ("Domains", DomainsScreen),
            ("Domains table", DomainTable),
            ("Domain detail", DomainDetailScreen),
            ("Conf files", ConfScreen),
            ("Log", LogScreen),
            ("Health", HealthScreen),
            ("Health findings", FindingsTable),
            ("Run a command", RunCommandScreen),
            ("Problems", ProblemsScreen),
            ("Bulk action", BulkScreen),
            ("New domain", NewDomainScreen),
        ]

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: every key", "Show the keys of every screen", self.action_help)
        yield SystemCommand("Reload the root", "Scan the root's domains again", self.action_reload)
        yield SystemCommand("Domains", "Back to the table of domains", self.action_show_domains)
        yield SystemCommand("New domain", "Build a new domain from profiles (virtfs)", self.action_new_domain)
        yield SystemCommand("Conf files", "virtuald's conf files: addresses, domains, problems",
                            self.action_show_conf)
        yield SystemCommand("Log", "The shared log, followed live, filtered", self.action_show_log)
        yield SystemCommand("Health", "The host-wide check: served, logging, safe, up to date; safe fixes",
                            self.action_show_health)
        yield SystemCommand("Problems", "Every problem of the root, its conf files and its domains",
                            self.action_show_problems)
        yield from self.domain_commands(screen)

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_sources()))

    def action_new_domain(self) -> None:
        from screens.new_domain import NewDomainScreen

        if not isinstance(self.screen, NewDomainScreen):
            self.push_screen(NewDomainScreen())

    def action_reload_in_background(self) -> None:
        """Read the root again without leaving the current screen."""
        for screen in self.screen_stack:
            if isinstance(screen, DomainsScreen):
                screen.action_reload()

    def action_show_conf(self, path: str | None = None, line: int = 0) -> None:
        from screens.conf import ConfScreen

        if not isinstance(self.screen, ConfScreen):
            self.push_screen(ConfScreen(path, line))

    def action_show_health(self, last=None) -> None:
        from screens.health import HealthScreen

        if not isinstance(self.screen, HealthScreen):
            self.push_screen(HealthScreen(last))

    def action_show_log(self, domain: str | None = None) -> None:
        from screens.log import LogScreen

        if not isinstance(self.screen, LogScreen):
            self.push_screen(LogScreen(domain))

    @work(thread=True, group="relink")
    def relink_devlog(self, name: str, then=None) -> None:
        """Make the domain's dev/log a hard link to the root's log socket again."""
        from virttui.syslog.relink import NoLogSocket, relink, shared_socket

        try:
            result = relink(name, self.settings.root / name, shared_socket(self.settings))
        except NoLogSocket as error:
            self.call_from_thread(self.notify, printable(str(error)), severity="warning", markup=False)
            return
        self.call_from_thread(self.notify, printable(f"dev/log of {result}"),
                              severity="information" if result.ok else "error", markup=False)
        if then is not None:
            self.call_from_thread(then)

    def action_show_domains(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, DomainsScreen):
            self.pop_screen()

    def action_reload(self) -> None:
        self.action_show_domains()
        screen = self.screen
        if isinstance(screen, DomainsScreen):
            screen.action_reload()

    def open_domain(self, name: str) -> None:
        domain = self.root_model.domain(name) if self.root_model else None
        if domain is None:
            self.notify(printable(f"No domain {name!r} in {self.settings.root}"), severity="error", markup=False)
            return
        from screens.detail import DomainDetailScreen

        self.push_screen(DomainDetailScreen(domain))

    def run_command_in(self, name: str, command: str | None = None) -> None:
        """The catalog, to run one of its commands in the domain `name` (an alias: its target)."""
        from screens.run_command import RunCommandScreen

        domain = self.root_model.domain(name) if self.root_model else None
        if domain is None:
            self.notify(printable(f"No domain {name!r} in {self.settings.root}"), severity="error", markup=False)
            return
        self.push_screen(RunCommandScreen(domain.alias_of or domain.name, command))
