"""The domain picker of `virtNAME` without a domain: the old dialog menu's successor.

A small App of its own, so that `virtpasswd` opens it fast: the domains with their
addresses, filter as you type, Enter picks, Escape cancels.
"""

from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input, Static

from screens.widgets.domain_table import DomainTable
from virttui.domains.discovery import Root, scan_root
from virttui.names import printable


class PickerApp(App[str | None]):
    CSS_PATH = "picker.tcss"
    TITLE = "virttui: pick a domain"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "pick", "Pick", priority=True),
        Binding("down", "cursor('down')", "Down", show=False, priority=True),
        Binding("up", "cursor('up')", "Up", show=False, priority=True),
        Binding("pagedown", "cursor('page_down')", "Page down", show=False, priority=True),
        Binding("pageup", "cursor('page_up')", "Page up", show=False, priority=True),
    ]

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = Path(root)

    def compose(self) -> ComposeResult:
        yield Static(printable(f"Pick a domain of {self.root}"), id="picker-title", markup=False)
        yield Input(placeholder="Filter: name, address…", id="picker-filter")
        yield DomainTable(id="picker-domains", without=("Users", "dev/log"))   # details are never read here
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#picker-filter", Input).focus()
        self.load_root()

    @work(thread=True)
    def load_root(self) -> None:
        model = scan_root(self.root)
        self.call_from_thread(self._show, model)

    def _show(self, model: Root) -> None:
        if not model.domains:
            self.query_one("#picker-title", Static).update(
                printable(f"No domain in {self.root}: nothing to pick (Escape leaves)"))
        self.query_one(DomainTable).set_domains(model.domains)

    @on(Input.Changed, "#picker-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.query_one(DomainTable).set_filter(event.value)

    def action_cursor(self, how: str) -> None:
        getattr(self.query_one(DomainTable), f"action_cursor_{how}" if how in ("up", "down")
                else f"action_{how}")()

    def action_pick(self) -> None:
        domain = self.query_one(DomainTable).current_domain
        if domain is not None:
            self.exit(domain.alias_of or domain.name)

    def action_cancel(self) -> None:
        self.exit(None)


def pick(root: str) -> str | None:
    """Run the picker on the terminal; the chosen domain's name, or None when cancelled."""
    return PickerApp(Path(root)).run()
