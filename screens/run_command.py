"""Run a catalog command in a domain: pick it, give its arguments, read its output.

A non-interactive command runs in a worker and its output fills the panel; an interactive
one (passwd, vi ...) gets the terminal while the app is suspended, then the app returns.
"""

import shlex
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, RichLog, Static
from textual.widgets.option_list import Option

from virttui.catalog import CatalogCommand, load_catalog
from virttui.domain_commands import (
    BadArguments,
    CommandRun,
    Missing,
    command_argv,
    commands_in_domain,
    run_captured,
    run_on_terminal,
    split_arguments,
)
from virttui.names import printable

if TYPE_CHECKING:
    from screens.app import VirtTuiApp


def missing_text(domain: str, missing: list[Missing], any_present: bool) -> Text:
    if not missing:
        return Text("")
    by_profile: dict[str | None, list[str]] = {}
    for item in missing:
        by_profile.setdefault(item.profile, []).append(item.command.name)
    parts = [f"{', '.join(names)}: `virtfs --add-profile {profile} {domain}` adds "
             f"{'it' if len(names) == 1 else 'them'}"
             for profile, names in by_profile.items() if profile]
    if None in by_profile:
        parts.append(f"{', '.join(by_profile[None])}: no profile installs "
                     f"{'it' if len(by_profile[None]) == 1 else 'them'}")
    head = "Not in this domain" if any_present else "None of the catalog's commands is in this domain"
    return Text(printable(f"{head}: " + "; ".join(parts)), style="dim")


class RunCommandScreen(ModalScreen[None]):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    CSS_PATH = "run_command.tcss"

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Close"),
        Binding("ctrl+l", "clear_output", "Clear output"),
    ]

    def __init__(self, domain: str, command: str | None = None) -> None:
        super().__init__()
        self.domain = domain
        self.first = command   # highlighted first (the palette's "Run NAME in DOMAIN")
        self.catalog: dict[str, CatalogCommand] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="run-box"):
            yield Static(Content.from_markup("Run in [b]$domain[/b]", domain=printable(self.domain)), id="run-title")
            yield OptionList(id="run-commands")
            yield Static(id="run-missing")
            yield Input(placeholder="arguments (Enter runs)", id="run-arguments")
            yield Static(id="run-status", markup=False)
            # min_width: RichLog's default (78) is wider than the box at 80 columns, and cut lines
            yield RichLog(id="run-output", wrap=True, markup=False, min_width=20)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#run-commands", OptionList).focus()
        self.find_commands()

    @work(thread=True)
    def find_commands(self) -> None:
        """Only what the domain has is offered; the rest is named with the profile that adds it."""
        settings = self.app.settings
        catalog = load_catalog(settings.commands)
        present, missing = commands_in_domain(settings.root / self.domain, catalog, settings.profiles)
        self.app.call_from_thread(self._show_commands, present, missing)

    def _show_commands(self, present: list[CatalogCommand], missing: list[Missing]) -> None:
        self.catalog = {command.name: command for command in present}
        commands = self.query_one("#run-commands", OptionList)
        for command in present:
            marker = "  (terminal)" if command.interactive else ""
            commands.add_option(Option(Content(printable(f"{command.name:<12} {command.help}{marker}")),
                                       id=command.name))
        names = list(self.catalog)
        if names:
            commands.highlighted = names.index(self.first) if self.first in names else 0
        self.query_one("#run-missing", Static).update(missing_text(self.domain, missing, bool(present)))

    @property
    def chosen(self) -> CatalogCommand | None:
        commands = self.query_one("#run-commands", OptionList)
        if not commands.option_count:
            return None
        return self.catalog[commands.get_option_at_index(commands.highlighted or 0).id or ""]

    @on(OptionList.OptionSelected, "#run-commands")
    def command_chosen(self) -> None:
        self.query_one("#run-arguments", Input).focus()

    @on(Input.Submitted, "#run-arguments")
    def run_chosen(self, event: Input.Submitted) -> None:
        command = self.chosen
        if command is None:
            self._status("nothing to run: the domain has none of the catalog's commands", "error")
            return
        try:
            argv = command_argv(self.domain, command, split_arguments(event.value))
        except BadArguments as error:
            self._status(str(error), "error")
            return
        if command.interactive:
            self._run_on_terminal(command, argv)
        else:
            self._status(f"running {command.name}…", "")
            self.run_captured(command.name, argv)

    def _run_on_terminal(self, command: CatalogCommand, argv: list[str]) -> None:
        with self.app.suspend():
            status = run_on_terminal(argv, self.app.settings.root)
        self._status(f"{command.name} ended with status {status}", "ok" if status == 0 else "error")
        self._back_to_the_list()

    @work(thread=True, exclusive=True)
    def run_captured(self, name: str, argv: list[str]) -> None:
        result = run_captured(argv, self.app.settings.root)
        self.app.call_from_thread(self._show_result, name, result)

    def _show_result(self, name: str, result: CommandRun) -> None:
        output = self.query_one("#run-output", RichLog)
        output.write(Text(printable(f"$ virtexec {shlex.join(result.argv[1:])}"), style="bold"))
        # Colours (SGR) are kept; every other escape sequence is dropped.
        output.write(Text.from_ansi(result.output.rstrip("\n")) if result.output.strip() else Text("(no output)"))
        output.scroll_end(animate=False)
        self._status(f"{name} ended with status {result.status}", "ok" if result.status == 0 else "error")
        self._back_to_the_list()

    def _back_to_the_list(self) -> None:
        """The next key moves in the list: Enter in the argument box would run the same again."""
        self.query_one("#run-arguments", Input).value = ""
        self.query_one("#run-commands", OptionList).focus()

    def _status(self, text: str, kind: str) -> None:
        status = self.query_one("#run-status", Static)
        status.update(printable(text))
        status.set_classes(kind)

    def action_clear_output(self) -> None:
        self.query_one("#run-output", RichLog).clear()
