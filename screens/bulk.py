"""One action on the marked domains: choose it, start it, read a result per domain (status
and the first line of what it said) as each one ends."""

from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from virttui.catalog import load_catalog
from virttui.domain_commands import BadArguments, split_arguments
from virttui.domains import bulk
from virttui.domains.discovery import Domain
from virttui.names import printable
from virttui.services.catalog import load_services

if TYPE_CHECKING:
    from screens.app import VirtTuiApp


class BulkScreen(ModalScreen[None]):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    CSS_PATH = "bulk.tcss"

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Close"),
        Binding("ctrl+g", "start", "Start"),
    ]

    def __init__(self, domains: list[Domain]) -> None:
        super().__init__()
        self.domains = domains
        self.running = False

    def compose(self) -> ComposeResult:
        names = ", ".join(d.name for d in self.domains)
        with Vertical(id="bulk-box"):
            yield Static(Content.from_markup(f"On [b]{len(self.domains)}[/b] domain{'s' * (len(self.domains) != 1)}: "
                                             "$names", names=printable(names)), id="bulk-title")
            yield OptionList(*[Option(text, id=key) for key, text in bulk.ACTIONS.items()], id="bulk-actions")
            yield Select([], id="bulk-choice", prompt="choose")
            yield Input(placeholder="arguments (Enter starts)", id="bulk-arguments")
            yield Static("Enter on an action starts it (a command or a service: choose it first)", id="bulk-status",
                         markup=False)
            yield DataTable(id="bulk-results", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.catalog = {name: c for name, c in load_catalog(self.app.settings.commands).items() if not c.interactive}
        self.services = load_services(self.app.settings.services)
        self.query_one("#bulk-results", DataTable).add_columns("Domain", "Status", "Said")
        actions = self.query_one("#bulk-actions", OptionList)
        actions.highlighted = 0
        actions.focus()
        self._show_choices(bulk.RELINK)

    @property
    def action_chosen(self) -> str:
        actions = self.query_one("#bulk-actions", OptionList)
        return actions.get_option_at_index(actions.highlighted or 0).id or ""

    @on(OptionList.OptionHighlighted, "#bulk-actions")
    def highlighted(self) -> None:
        self._show_choices(self.action_chosen)

    def _show_choices(self, action: str) -> None:
        choice = self.query_one("#bulk-choice", Select)
        arguments = self.query_one("#bulk-arguments", Input)
        choice.display = action in (bulk.RUN, bulk.ENABLE)
        arguments.display = action == bulk.RUN
        if action == bulk.RUN:
            choice.set_options([(f"{c.name}  {c.help}", c.name) for c in self.catalog.values()])
        elif action == bulk.ENABLE:
            choice.set_options([(f"{s.name}  {s.description}", s.name) for s in self.services.values()])

    @on(OptionList.OptionSelected, "#bulk-actions")
    def chosen(self) -> None:
        action = self.action_chosen
        if action in (bulk.RUN, bulk.ENABLE) and self.query_one("#bulk-choice", Select).is_blank():
            self.query_one("#bulk-choice", Select).focus()
            return
        self.action_start()

    @on(Select.Changed, "#bulk-choice")
    def choice_made(self) -> None:
        if self.action_chosen == bulk.RUN:
            self.query_one("#bulk-arguments", Input).focus()

    @on(Input.Submitted, "#bulk-arguments")
    def arguments_given(self) -> None:
        self.action_start()

    def action_start(self) -> None:
        if self.running:
            return
        action = self.action_chosen
        choice = self.query_one("#bulk-choice", Select)
        if action in (bulk.RUN, bulk.ENABLE) and choice.is_blank():
            self._status("choose the command or the service first", "error")
            return
        try:
            arguments = split_arguments(self.query_one("#bulk-arguments", Input).value)
        except BadArguments as error:
            self._status(str(error), "error")
            return
        self.query_one("#bulk-results", DataTable).clear()
        self.running = True
        self._status(f"{bulk.ACTIONS[action]}: 0 of {len(self.domains)} done…", "")
        self.run_bulk(action, "" if choice.is_blank() else str(choice.value), arguments)

    @work(thread=True, exclusive=True)
    def run_bulk(self, action: str, choice: str, arguments: list[str]) -> None:
        """`choice`: the command or service of RUN and ENABLE (chosen before), else empty."""
        settings = self.app.settings
        results = []
        for domain in self.domains:
            name = domain.alias_of or domain.name
            if action == bulk.RELINK:
                result = bulk.relink_one(settings, name)
            elif action == bulk.UPDATE:
                result = bulk.update_one(settings, name)
            elif action == bulk.RUN:
                result = bulk.run_one(settings, name, self.catalog[choice], arguments)
            else:
                result = bulk.enable_one(settings, self.services, domain, choice)
            results.append(result)
            self.app.call_from_thread(self._add_result, result, len(results))
        self.app.call_from_thread(self._done, results)

    def _add_result(self, result: bulk.BulkResult, done: int) -> None:
        table = self.query_one("#bulk-results", DataTable)
        table.add_row(Text(result.domain), Text("ok" if result.ok else f"status {result.status}",
                                          style="green" if result.ok else "bold red"), Text(result.said))
        self._status(f"{done} of {len(self.domains)} done…", "")

    def _done(self, results: list[bulk.BulkResult]) -> None:
        self.running = False
        failed = sum(not r.ok for r in results)
        self._status(f"done: {len(results) - failed} ok, {failed} failed", "error" if failed else "ok")
        self.query_one("#bulk-results", DataTable).focus()
        self.app.action_reload_in_background()

    def _status(self, text: str, kind: str) -> None:
        status = self.query_one("#bulk-status", Static)
        status.update(text)
        status.set_classes(kind)
