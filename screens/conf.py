"""virtuald's conf files: which address sends traffic to which domain, and what is wrong."""

from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from virttui.conf.lint import LintReport, conf_files, lint_file
from virttui.conf.view import ConfRow, rows_of
from virttui.names import printable
from virttui.virtuald import status as dispatcher_status

if TYPE_CHECKING:
    from screens.app import VirtTuiApp

SEVERITY_STYLE = {"ok": "green", "warning": "bold yellow", "error": "bold red"}


def file_label(report: LintReport) -> str:
    errors = sum(p.severity == "error" for p in report.problems)
    warnings = len(report.problems) - errors
    lines = len(report.conf.mappings) if report.conf else 0
    state = ", ".join(part for part in (f"{errors} error{'s' * (errors != 1)}" if errors else "",
                                        f"{warnings} warning{'s' * (warnings != 1)}" if warnings else "")
                      if part) or "clean"
    return f"{report.path.name:<12} {lines:>3} mapping{'s' * (lines != 1)}  {state}"


class ConfScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    CSS_PATH = "conf.tcss"

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("r", "recheck", "Re-check"),
        Binding("tab", "app.focus_next", "Next pane", show=False),
    ]

    reports: reactive[list[LintReport]] = reactive(list, init=False, always_update=True)
    checking = reactive(False)
    DISPATCHER_EVERY = 2.0  # seconds between reads of the dispatchers' status files

    def __init__(self, path: str | None = None, line: int = 0) -> None:
        """`path` and `line`: the conf file and line to show first (the Health screen's and the
        Problems view's Enter)."""
        super().__init__()
        self.rows: list[ConfRow] = []
        self.wanted = (path, line)
        self.dispatchers: dict[str, list] = {}  # conf path -> the dispatchers serving it
        self.shown_path: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="conf-files-pane"):
            yield Static("Conf files", classes="pane-title")
            yield OptionList(id="conf-files")
        yield Static(id="conf-file-title", classes="pane-title", markup=False)
        yield Static(id="conf-dispatcher")
        yield DataTable(id="conf-lines", cursor_type="row", zebra_stripes=True)
        yield Static(id="conf-line-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "virttui"
        self.sub_title = f"conf files of {self.app.settings.root}"
        self.query_one("#conf-lines", DataTable).add_columns(
            "Line", "Address", "Domain", "State")
        self.action_recheck()
        self.set_interval(self.DISPATCHER_EVERY, self.read_dispatchers)

    def action_recheck(self) -> None:
        self.checking = True
        self.check_files()

    @work(thread=True, exclusive=True)
    def check_files(self) -> None:
        root = self.app.settings.root
        reports = [lint_file(path, root) for path in conf_files(root)]
        dispatchers = {str(report.path): dispatcher_status.serving(report.path) for report in reports}
        self.app.call_from_thread(self._checked, reports, dispatchers)

    def _checked(self, reports: list[LintReport], dispatchers: dict) -> None:
        self.checking = False
        self.dispatchers = dispatchers
        self.reports = reports

    @work(thread=True, exclusive=True, group="dispatchers")
    def read_dispatchers(self) -> None:
        """The live counts of the dispatchers serving the files shown."""
        dispatchers = {str(report.path): dispatcher_status.serving(report.path) for report in self.reports}
        self.app.call_from_thread(self._dispatchers_read, dispatchers)

    def _dispatchers_read(self, dispatchers: dict) -> None:
        self.dispatchers = dispatchers
        self.show_dispatchers()

    def show_dispatchers(self) -> None:
        line = self.query_one("#conf-dispatcher", Static)
        serving = self.dispatchers.get(self.shown_path or "", [])
        line.display = bool(serving)
        line.update(Text("\n".join(dispatcher_status.summary(status) for status in serving)))

    def watch_reports(self, reports: list[LintReport]) -> None:
        files = self.query_one("#conf-files", OptionList)
        chosen = files.highlighted or 0
        paths = [str(report.path) for report in reports]
        if self.wanted[0] is not None and str(self.wanted[0]) in paths:
            chosen = paths.index(self.wanted[0])
        files.clear_options()
        files.add_options(Option(Content(printable(file_label(report))), id=str(report.path)) for report in reports)
        if reports:
            files.highlighted = min(chosen, len(reports) - 1)
            files.focus()
        else:
            self.query_one("#conf-file-title", Static).update(
                f"No conf.SERVICE file in {self.app.settings.root}: `virttui service` prints "
                "what a super-server needs, and a conf file is one 'ADDRESS DIR' per line.")

    def watch_checking(self, checking: bool) -> None:
        self.query_one("#conf-files-pane").loading = checking and not self.reports

    @on(OptionList.OptionHighlighted, "#conf-files")
    def show_file(self, event: OptionList.OptionHighlighted) -> None:
        report = self.reports[event.option_index]
        self.query_one("#conf-file-title", Static).update(printable(str(report.path)))
        self.shown_path = str(report.path)
        self.show_dispatchers()
        table = self.query_one("#conf-lines", DataTable)
        table.clear()
        self.rows = rows_of(report, self.app.settings.root)
        for row in self.rows:
            table.add_row(*self._cells(row))
        if not self.rows:
            self.query_one("#conf-line-detail", Static).update("No line maps an address.")
        path, line = self.wanted
        linenos = [row.lineno for row in self.rows]
        if path is not None and str(path) == str(report.path) and line in linenos:
            table.move_cursor(row=linenos.index(line))
            table.focus()
            self.wanted = (None, 0)

    @on(DataTable.RowHighlighted, "#conf-lines")
    def show_line(self, event: DataTable.RowHighlighted) -> None:
        row = self.rows[event.cursor_row]
        where = f"line {row.lineno}: {row.address} → {row.directory}" if row.address else f"line {row.lineno}"
        self.query_one("#conf-line-detail", Static).update(
            Text.assemble((printable(where), "bold"), "\n", (printable(row.state), SEVERITY_STYLE[row.severity])))

    @staticmethod
    def _cells(row: ConfRow) -> tuple:
        domain = row.domain if row.domain != "-" else row.directory
        return (Text(str(row.lineno)), Text(printable(row.address)), Text(printable(domain)),
                Text(printable(row.state), style=SEVERITY_STYLE[row.severity]))
