"""The Problems view: the root's, the conf files' and the domains' problems in one table;
Enter goes to the domain, or to the conf file's line."""

from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from virttui.domains.discovery import load_details
from virttui.domains.problems import RootProblem, problems_of
from virttui.names import printable

if TYPE_CHECKING:
    from screens.app import VirtTuiApp

SEVERITY_STYLE = {"warning": "bold yellow", "error": "bold red"}


class ProblemsScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    CSS_PATH = "problems.tcss"

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("enter", "go", "Go to it"),
        Binding("r", "recheck", "Re-check"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[RootProblem] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Looking for problems…", id="problems-summary")
        yield DataTable(id="problems", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "virttui"
        self.sub_title = f"problems of {self.app.settings.root}"
        self.query_one(DataTable).add_columns("Where", "Severity", "Problem")
        self.action_recheck()

    def action_recheck(self) -> None:
        self.find_problems()

    @work(thread=True, exclusive=True)
    def find_problems(self) -> None:
        model = self.app.root_model
        if model is None:
            return
        for domain in model.domains:
            if not domain.loaded:
                load_details(domain, self.app.settings.devlog_target)
        self.app.call_from_thread(self.show, problems_of(model))

    def show(self, problems: list[RootProblem]) -> None:
        self.problems = problems
        table = self.query_one(DataTable)
        table.clear()
        for problem in problems:
            table.add_row(Text(printable(problem.place)), Text(problem.severity, style=SEVERITY_STYLE.get(problem.severity, "")),
                          Text(problem.message))
        errors = sum(p.severity == "error" for p in problems)
        summary = (f"{len(problems)} problem{'s' * (len(problems) != 1)} ({errors} error{'s' * (errors != 1)}): "
                   "Enter goes to the domain or the conf line") if problems else "No problem found."
        self.query_one("#problems-summary", Static).update(summary)
        table.focus()

    @on(DataTable.RowSelected)
    def action_go(self) -> None:
        table = self.query_one(DataTable)
        if not self.problems or table.cursor_row >= len(self.problems):
            return
        problem = self.problems[table.cursor_row]
        if problem.domain:
            self.app.open_domain(problem.domain)
        elif problem.conf is not None:
            from screens.conf import ConfScreen
            self.app.push_screen(ConfScreen(str(problem.conf), problem.lineno))
