"""The first screen: every domain of the root in a table, filtered as you type."""

import threading
from typing import TYPE_CHECKING

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from screens.widgets.domain_table import DomainTable
from virttui.demo import is_demo_root
from virttui.domains.discovery import Root, list_root, load_details, read_confs
from virttui.domains.first_rows import carry_over, first_rows
from virttui.names import printable

if TYPE_CHECKING:
    from screens.app import VirtTuiApp

DETAIL_BATCH = 500
FILTER_HINT = "Filter: name, address, service…  (/)"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


class DomainsScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    CSS_PATH = "domains.tcss"

    # The footer shows the keys of a day's work; every key is in the help (?) and the palette.
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("s", "shell", "Shell", tooltip="sh in the domain through virtexec (the app waits)"),
        Binding("x", "run_command", "Run…", tooltip="Run a catalog command in the domain"),
        Binding("b", "bulk", "Bulk…", tooltip="An action on the marked domains (space marks)"),
        Binding("p", "app.show_problems", "Problems"),
        Binding("A", "addresses", "Addresses", show=False, key_display="A",
                tooltip="Add, change or remove the domain's addresses"),
        Binding("D", "toggle_disabled", "Disable/enable", show=False, key_display="D",
                tooltip="Comment the domain's conf lines out, or restore them"),
        Binding("R", "rename", "Rename", show=False, key_display="R"),
        Binding("delete", "delete", "Delete", show=False, tooltip="Archive the domain, then delete it"),
        Binding("U", "disk_use", "Disk use", show=False, key_display="U",
                tooltip="Count every domain's disk use (in the background)"),
        Binding("L", "relink", "Relink", key_display="L",
                tooltip="Relink the domain's dev/log to the log socket"),
        Binding("ctrl+r", "reload", "Reload"),
        Binding("n", "app.new_domain", "New"),
        Binding("c", "app.show_conf", "Conf"),
        Binding("l", "app.show_log", "Log"),
    ]

    shown = reactive(0, init=False)
    total = reactive(0, init=False)
    scanning = reactive(True, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.model: Root | None = None
        self.empty_root_waiting = False

    def compose(self) -> ComposeResult:
        # A one-line header of our own (title, root, counts), and the filter box only once
        # it is wanted: Textual's Header and Input cost a visible part of the first frame.
        with Horizontal(id="status-bar"):
            yield Static("virttui", id="title")
            yield Static(id="root-label", markup=False)
            yield Static(id="counts")
        yield Static(FILTER_HINT, id="filter-hint")
        yield DomainTable(id="domains")

    def on_mount(self) -> None:
        settings = self.app.settings
        self.sub_title = str(settings.root)
        label = f"Root {printable(str(settings.root))}"
        if is_demo_root(settings.root):
            label += " (demo)"
        self.query_one("#root-label", Static).update(label)
        self.query_one(DomainTable).focus()
        self.show_first_rows()
        # The footer once focus has settled: mounted earlier, it is rebuilt at each change of
        # the active bindings during start-up (five times, ~70 ms). The rest of the root is
        # read once the first frame is out: its reading would only delay that frame.
        self.call_after_refresh(self.mount_footer)
        self.call_after_refresh(self.read_the_rest)

    def show_first_rows(self) -> None:
        """The rows of the first frame, read before it: by the app's start while its modules
        loaded (virttui open), or here."""
        settings = self.app.settings
        reader, self.app.first_rows_reader = self.app.first_rows_reader, None
        if reader is not None:
            model = reader.model()
        else:
            model = first_rows(settings.root, settings.socket_path, settings.devlog_target, self.app.size.height)
        if model is not None and model.domains:
            self.model = self.app.root_model = model
            self.query_one(DomainTable).set_domains(model.domains)

    async def mount_footer(self) -> None:
        await self.mount(Footer(compact=True))
        self.refresh_bindings()  # the footer shows keys once bindings are announced

    # -- loading -----------------------------------------------------------

    def read_the_rest(self) -> None:
        """The whole root, keeping what was read for the first rows (a reload reads all again)."""
        self.scanning = True
        self.load_root(self.model if self.model and self.model.partial else None)

    def action_reload(self) -> None:
        self.scanning = True
        self.load_root()

    @work(thread=True, exclusive=True, group="load-root")
    def load_root(self, first: Root | None = None) -> None:
        """List the root and show the names; then addresses, then details batch by batch
        (what `first`, the first rows, read of a domain is not read again)."""
        settings = self.app.settings
        worker = get_current_worker()
        model = list_root(settings.root, settings.socket_path)
        if first is not None:
            carry_over(model, first)
        names_painted = threading.Event()
        self.app.call_from_thread(self._show_model, model, names_painted)
        # The reading below holds the GIL for long stretches: let the first frame out first.
        names_painted.wait(timeout=2.0)
        read_confs(model)
        domains = model.domains
        table = self.query_one(DomainTable)
        self.app.call_from_thread(table.details_arrived, list(range(len(domains))))
        for start in range(0, len(domains), DETAIL_BATCH):
            if worker.is_cancelled:
                return
            batch = range(start, min(start + DETAIL_BATCH, len(domains)))
            for position in batch:
                if not domains[position].loaded:
                    load_details(domains[position], self.app.settings.devlog_target)
            self.app.call_from_thread(table.details_arrived, list(batch))
        self.app.call_from_thread(setattr, self, "scanning", False)

    def _show_model(self, model: Root, painted: threading.Event) -> None:
        self.model = model
        self.app.root_model = model
        self.call_after_refresh(painted.set)
        if not model.domains:
            self.explain_the_empty_root()
            return
        self.query_one(DomainTable).set_domains(model.domains)

    def explain_the_empty_root(self) -> None:
        """The empty root's explanation over this screen; not over a screen opened meanwhile
        (the new-domain form virtfs opens at start, Health): it comes once this screen is back."""
        self.empty_root_waiting = self.app.screen is not self
        if not self.empty_root_waiting and self.model is not None:
            from screens.empty_root import EmptyRootScreen
            self.app.push_screen(EmptyRootScreen(self.model))

    def on_screen_resume(self) -> None:
        if self.empty_root_waiting and self.model is not None and not self.model.domains:
            self.explain_the_empty_root()

    # -- the view ----------------------------------------------------------

    @on(DomainTable.ViewChanged)
    def update_counts(self, event: DomainTable.ViewChanged) -> None:
        self.shown, self.total = event.shown, event.total
        self._render_counts()   # the marks changed, perhaps

    def watch_shown(self) -> None:
        self._render_counts()

    def watch_total(self) -> None:
        self._render_counts()

    def watch_scanning(self) -> None:
        self._render_counts()

    def _render_counts(self) -> None:
        model = self.model
        if model is not None and model.partial:   # the first rows alone: no counts yet
            self.query_one("#counts", Static).update("loading…")
            return
        aliases = model.alias_count if model else 0
        problems = len(model.problems) if model else 0
        text = f"{plural(self.total - aliases, 'domain')}, {plural(aliases, 'alias', 'aliases')}"
        if problems:
            text += f", {plural(problems, 'problem')}"
        if self.shown != self.total:
            text += f" — showing {self.shown}"
        marked = len(self.query_one(DomainTable).marked) if self.is_mounted else 0
        if marked:
            text += f" — {marked} marked"
        if self.scanning:
            text += " — loading…"
        self.query_one("#counts", Static).update(text)

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.query_one(DomainTable).set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(DomainTable).focus()

    async def action_focus_filter(self) -> None:
        hint = self.query("#filter-hint")
        if hint:
            await self.mount(Input(placeholder=FILTER_HINT, id="filter"), before=hint.first())
            await hint.remove()
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        for filter_input in self.query("#filter").results(Input):
            filter_input.value = ""
        self.query_one(DomainTable).focus()

    def action_run_command(self) -> None:
        domain = self.query_one(DomainTable).current_domain
        if domain is not None:
            self.app.run_command_in(domain.name)

    def action_relink(self) -> None:
        domain = self.query_one(DomainTable).current_domain
        if domain is not None:
            self.app.relink_devlog(domain.alias_of or domain.name, then=self.action_reload)

    def _on_current(self, step) -> None:
        domain = self.query_one(DomainTable).current_domain
        if domain is not None:
            step(domain.name)

    def action_shell(self) -> None:
        self._on_current(self.app.open_shell)

    def action_addresses(self) -> None:
        self._on_current(self.app.edit_addresses)

    def action_toggle_disabled(self) -> None:
        self._on_current(self.app.toggle_disabled)

    def action_rename(self) -> None:
        self._on_current(self.app.rename_domain)

    def action_delete(self) -> None:
        self._on_current(self.app.delete_domain)

    def action_bulk(self) -> None:
        table = self.query_one(DomainTable)
        marked = table.marked_domains
        self.app.bulk_action(marked)

    def action_disk_use(self) -> None:
        table = self.query_one(DomainTable)
        domains = table.marked_domains or [table.index.domains[i] for i in table.index.shown]
        self.app.count_disk_use(domains, then=self.disk_counted)

    def disk_counted(self) -> None:
        table = self.query_one(DomainTable)
        if table.sort_key == "disk":
            table.details_arrived([])
        table.refresh()

    @on(DomainTable.Selected)
    def open_domain(self, event: DomainTable.Selected) -> None:
        self.app.open_domain(event.domain.name)
