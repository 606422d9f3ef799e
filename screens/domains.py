"""The first screen: every domain of the root in a table, filtered as you type."""

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static
from textual.worker import get_current_worker

from screens.widgets.domain_table import DomainTable
from virttui.domains import Root, load_details, scan_root

DETAIL_BATCH = 500


class DomainsScreen(Screen):
    CSS_PATH = "domains.tcss"

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("ctrl+r", "reload", "Reload"),
    ]

    shown = reactive(0, init=False)
    total = reactive(0, init=False)
    scanning = reactive(True, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.model: Root | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="status-bar"):
            yield Static(id="root-label")
            yield Static(id="counts")
        yield Input(placeholder="Filter: name, address, service…  (/)", id="filter")
        yield DomainTable(id="domains")
        yield Footer()

    def on_mount(self) -> None:
        settings = self.app.settings
        self.sub_title = str(settings.root)
        self.query_one("#root-label", Static).update(f"Root {settings.root}")
        self.query_one(DomainTable).focus()
        self.action_reload()

    # -- loading -----------------------------------------------------------

    def action_reload(self) -> None:
        self.scanning = True
        self.load_root()

    @work(thread=True, exclusive=True, group="load-root")
    def load_root(self) -> None:
        """Scan the root, show the names, then fill in details batch by batch."""
        settings = self.app.settings
        worker = get_current_worker()
        model = scan_root(settings.root, settings.socket_path)
        self.app.call_from_thread(self._show_model, model)
        domains = model.domains
        for start in range(0, len(domains), DETAIL_BATCH):
            if worker.is_cancelled:
                return
            batch = range(start, min(start + DETAIL_BATCH, len(domains)))
            for position in batch:
                load_details(domains[position], model.socket_path)
            self.app.call_from_thread(self.query_one(DomainTable).details_arrived, list(batch))
        self.app.call_from_thread(setattr, self, "scanning", False)

    def _show_model(self, model: Root) -> None:
        self.model = model
        self.app.root_model = model
        if not model.domains:
            from screens.empty_root import EmptyRootScreen
            self.app.push_screen(EmptyRootScreen(model))
            return
        self.query_one(DomainTable).set_domains(model.domains)

    # -- the view ----------------------------------------------------------

    @on(DomainTable.ViewChanged)
    def update_counts(self, event: DomainTable.ViewChanged) -> None:
        self.shown, self.total = event.shown, event.total

    def watch_shown(self) -> None:
        self._render_counts()

    def watch_total(self) -> None:
        self._render_counts()

    def watch_scanning(self) -> None:
        self._render_counts()

    def _render_counts(self) -> None:
        model = self.model
        aliases = model.alias_count if model else 0
        problems = len(model.problems) if model else 0
        text = f"{self.total - aliases} domains, {aliases} aliases"
        if problems:
            text += f", {problems} problems"
        if self.shown != self.total:
            text += f" — showing {self.shown}"
        if self.scanning:
            text += " — loading…"
        self.query_one("#counts", Static).update(text)

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.query_one(DomainTable).set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(DomainTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        if filter_input.value:
            filter_input.value = ""
        self.query_one(DomainTable).focus()

    @on(DomainTable.Selected)
    def open_domain(self, event: DomainTable.Selected) -> None:
        self.app.open_domain(event.domain.name)
