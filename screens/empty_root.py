"""Shown instead of an empty table when the root is missing or holds no domain."""

from typing import TYPE_CHECKING

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from virttui.domains.discovery import Root
from virttui.names import printable

if TYPE_CHECKING:
    from screens.app import VirtTuiApp


def explanation(model: Root) -> Content:
    state = ("The root [b]$root[/b] does not exist." if not model.exists
             else "The root [b]$root[/b] holds no domain yet.")
    # Paragraphs are single lines: the widget wraps them to the terminal's width.
    return Content.from_markup("\n".join([
        state,
        "",
        "A [b]root[/b] is the directory under which every domain has its own root filesystem: "
        "[b]$root/DOMAIN[/b]. Network services are chrooted into the domain whose address the "
        "client connected to (the conf.SERVICE files beside the domains say which address goes "
        "where), and the root's [b]log[/b] socket collects the domains' syslog.",
        "",
        "To make one:",
        "  • [b]virtfs DOMAIN[/b]: build a domain from profiles (as root)",
        "  • [b]virttui demo DIR[/b]: build a demo root to look around",
        "  • [b]virttui --root DIR[/b]: open another root",
        "    (or set VIRT_ROOT, or [b]root:[/b] in /etc/virttui.yaml)",
    ]), root=printable(str(model.path)))


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
            yield Static(Content(f"problem: {printable(problem)}"), classes="problem")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = str(self.model.path)

    def action_reload(self) -> None:
        self.app.pop_screen()
        self.app.action_reload()
