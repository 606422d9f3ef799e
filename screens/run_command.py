"""Run a catalog command in a domain: pick it, give its arguments, read its output.

A non-interactive command runs in a worker and its output fills the panel; an interactive
one (passwd, vi ...) gets the terminal while the app is suspended, then the app returns.
"""

import shlex

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, RichLog, Static
from textual.widgets.option_list import Option

from virttui.catalog import CatalogCommand, load_catalog
from virttui.domain_commands import (BadArguments, CommandRun, command_argv, run_captured,
                                     run_on_terminal, split_arguments)
from virttui.names import printable


class RunCommandScreen(ModalScreen[None]):
    CSS_PATH = "run_command.tcss"

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Close"),
        Binding("ctrl+l", "clear_output", "Clear output"),
    ]

    def __init__(self, domain: str) -> None:
        super().__init__()
        self.domain = domain
        self.catalog: dict[str, CatalogCommand] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="run-box"):
            yield Static(Content.from_markup("Run in [b]$domain[/b]", domain=printable(self.domain)), id="run-title")
            yield OptionList(id="run-commands")
            yield Input(placeholder="arguments (Enter runs)", id="run-arguments")
            yield Static(id="run-status", markup=False)
            yield RichLog(id="run-output", wrap=True, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.catalog = load_catalog(self.app.settings.commands)
        commands = self.query_one("#run-commands", OptionList)
        for command in self.catalog.values():
            marker = "  (terminal)" if command.interactive else ""
            commands.add_option(Option(Content(printable(f"{command.name:<12} {command.help}{marker}")),
                                       id=command.name))
        commands.highlighted = 0
        commands.focus()

    @property
    def chosen(self) -> CatalogCommand:
        commands = self.query_one("#run-commands", OptionList)
        return self.catalog[commands.get_option_at_index(commands.highlighted or 0).id]

    @on(OptionList.OptionSelected, "#run-commands")
    def command_chosen(self) -> None:
        self.query_one("#run-arguments", Input).focus()

    @on(Input.Submitted, "#run-arguments")
    def run_chosen(self, event: Input.Submitted) -> None:
        command = self.chosen
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

    @work(thread=True, exclusive=True)
    def run_captured(self, name: str, argv: list[str]) -> None:
        result = run_captured(argv, self.app.settings.root)
        self.app.call_from_thread(self._show_result, name, result)

    def _show_result(self, name: str, result: CommandRun) -> None:
        output = self.query_one("#run-output", RichLog)
        output.write(Text(printable(f"$ virtexec {shlex.join(result.argv[1:])}"), style="bold"))
        # Colours (SGR) are kept; every other escape sequence is dropped.
        output.write(Text.from_ansi(result.output.rstrip("\n")) if result.output.strip() else Text("(no output)"))
        self._status(f"{name} ended with status {result.status}", "ok" if result.status == 0 else "error")

    def _status(self, text: str, kind: str) -> None:
        status = self.query_one("#run-status", Static)
        status.update(printable(text))
        status.set_classes(kind)

    def action_clear_output(self) -> None:
        self.query_one("#run-output", RichLog).clear()
