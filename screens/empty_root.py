"""Shown instead of an empty table when the root is missing or holds no domain."""

from typing import TYPE_CHECKING

from rich.markup import escape
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from virttui.domains.discovery import Root

if TYPE_CHECKING:
    from screens.app import VirtTuiApp


def explanation(model: Root) -> str:
    root = escape(str(model.path))
    state = (f"The root [b]{root}[/b] does not exist." if not model.exists
             else f"The root [b]{root}[/b] holds no domain yet.")
    # Paragraphs are single lines: the widget wraps them to the terminal's width.
    return "\n".join([
        state,
        "",
        f"A [b]root[/b] is the directory under which every domain has its own root filesystem: "
        f"[b]{root}/DOMAIN[/b]. Network services are chrooted into the domain whose address the "
        "client connected to (the conf.SERVICE files beside the domains say which address goes "
        "where), and the root's [b]log[/b] socket collects the domains' syslog.",
        "",
        "To make one:",
        "  • [b]virtfs DOMAIN[/b]: build a domain from profiles (as root)",
        "  • [b]virttui demo DIR[/b]: build a demo root to look around",
        "  • [b]virttui --root DIR[/b]: open another root",
        "    (or set VIRT_ROOT, or [b]root:[/b] in /etc/virttui.yaml)",
    ])


class EmptyRootScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    CSS_PATH = "empty_root.tcss"

    BINDINGS = [
        Binding("ctrl+r", "reload", "Reload"),
    ]

    def __init__(self, model: Root) -> None:
        super().__init__()
        self.model = model

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            with Center():
                yield Static(explanation(self.model), id="explanation")
        for problem in self.model.problems:
            yield Static(f"problem: {escape(problem)}", classes="problem")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = str(self.model.path)

    def action_reload(self) -> None:
        self.app.pop_screen()
        self.app.action_reload()
