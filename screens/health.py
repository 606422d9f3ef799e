"""Health: the host-wide check (`virttui check`) on screen. Findings grouped by severity and
domain; Enter opens the domain, or the conf file at its line; `f` applies the safe fix of a
finding (relink dev/log, `virtfs --update`) and `F` every such fix, each domain then checked
again. The check and the fixes run in workers: the screen stays live."""

from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from virttui.check.report import ERROR, FIX_RELINK, FIX_UPDATE, ROOT, Finding, Report
from virttui.names import printable
from virttui.yamlfile import ConfigError

if TYPE_CHECKING:
    from screens.app import VirtTuiApp

SEVERITY_STYLE = {ERROR: "bold red", "warning": "bold yellow"}
FIX_NAMES = {FIX_RELINK: "relink dev/log to the log socket", FIX_UPDATE: "virtfs --update (programs from the host)"}


class FindingsTable(DataTable):
    """The findings; Enter opens the highlighted one (shown in the footer)."""

    BINDINGS = [Binding("enter", "select_cursor", "Open", tooltip="Open the domain, or the conf file at its line")]


class HealthScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    CSS_PATH = "health.tcss"

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("f", "fix", "Fix", tooltip="Apply the safe fix of the finding, then check its domain again"),
        Binding("F", "fix_all", "Fix all", key_display="F", tooltip="Apply every safe fix, then check again"),
        Binding("r", "recheck", "Re-check"),
    ]

    checking = reactive(False)

    def __init__(self, last: Report | None = None) -> None:
        super().__init__()
        self.report = last
        self.rows: list[Finding] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="health-summary")
        yield FindingsTable(id="health-findings", cursor_type="row", zebra_stripes=True)
        yield Static(id="health-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "virttui"
        self.sub_title = f"health of {self.app.settings.root}"
        self.query_one(FindingsTable).add_columns("Severity", "Domain", "Check", "Finding")
        if self.report is not None:
            self.show_report(self.report)
        self.action_recheck()

    # -- checking ----------------------------------------------------------

    def action_recheck(self) -> None:
        self.checking = True
        self.check_all()

    @work(thread=True, exclusive=True, group="health-check")
    def check_all(self) -> None:
        from virttui.check.audit import audit
        from virttui.check.last import save

        try:
            report = audit(self.app.settings)
        except (ConfigError, OSError) as error:   # a broken services: section, an unreadable root
            report = Report(str(self.app.settings.root), unknown=str(error))
        if not report.unknown:
            save(report)
        self.app.call_from_thread(self._checked, report)

    def _checked(self, report: Report) -> None:
        self.checking = False
        self.show_report(report)

    def watch_checking(self) -> None:
        self._render_summary()

    # -- fixing ------------------------------------------------------------

    def action_fix(self) -> None:
        finding = self.current
        if finding is None:
            return
        if not finding.fix:
            self.notify("No safe fix is known for this finding: its line says how to mend it.",
                        severity="warning")
            return
        self.apply_fixes([finding])

    def action_fix_all(self) -> None:
        fixable = [finding for finding in self.rows if finding.fix]
        if not fixable:
            self.notify("No finding has a safe fix.", severity="warning")
            return
        self.apply_fixes(fixable)

    @work(thread=True, exclusive=True, group="health-check")
    def apply_fixes(self, findings: list[Finding]) -> None:
        from virttui.check.audit import audit_domain, new_context
        from virttui.check.fixes import apply_fix
        from virttui.check.last import save

        self.app.call_from_thread(setattr, self, "checking", True)
        settings = self.app.settings
        for finding in findings:
            done, said = apply_fix(finding, settings)
            self.app.call_from_thread(self.notify, printable(said), severity="information" if done else "error",
                                      markup=False)
        report = self.report or Report(str(settings.root))
        try:
            context = new_context(settings)
            for domain in dict.fromkeys(finding.domain for finding in findings):
                report.replace_domain(domain, audit_domain(domain, settings, context))
        except (ConfigError, OSError) as error:
            self.app.call_from_thread(self.notify, printable(f"checking again: {error}"), severity="error",
                                      markup=False)
        else:
            save(report)
        self.app.call_from_thread(self._checked, report)

    # -- the view ----------------------------------------------------------

    def show_report(self, report: Report) -> None:
        self.report = report
        table = self.query_one(FindingsTable)
        row = table.cursor_row
        table.clear()
        self.rows = report.sorted()
        previous = None
        for finding in self.rows:
            group = (finding.severity, finding.domain)
            table.add_row(*self._cells(finding, group != previous))
            previous = group
        if self.rows:
            table.move_cursor(row=min(row, len(self.rows) - 1))
            table.focus()
        self._render_summary()
        self._render_detail()

    @staticmethod
    def _cells(finding: Finding, first_of_group: bool) -> tuple:
        style = SEVERITY_STYLE.get(finding.severity, "")
        domain = "(root)" if finding.domain == ROOT else finding.domain
        return (Text(finding.severity if first_of_group else "", style=style),
                Text(domain if first_of_group else ""), Text(finding.check), Text(finding.what))

    def _render_summary(self) -> None:
        report = self.report
        if report is None:
            text = Text("Checking the root and every domain…")
        elif report.unknown:
            text = Text(report.unknown, style="bold red")
        else:
            style = "bold red" if report.status == 2 else "bold yellow" if report.status == 1 else "bold green"
            text = Text(report.summary(), style=style)
        if self.checking and report is not None:
            text.append("  — checking again…", style="italic")
        self.query_one("#health-summary", Static).update(text)

    @property
    def current(self) -> Finding | None:
        table = self.query_one(FindingsTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#health-findings")
    def _highlighted(self) -> None:
        self._render_detail()

    def _render_detail(self) -> None:
        detail = self.query_one("#health-detail", Static)
        finding = self.current
        if finding is None:
            clean = self.report is not None and not self.report.findings and not self.report.unknown
            detail.update(Text("Nothing to mend: every domain is served, logging and safe." if clean else ""))
            return
        text = Text.assemble((f"{finding.check}: ", "bold"), finding.what, "\n", ("mend: ", "bold"), finding.mend)
        if finding.conf:
            text.append(f"\n{finding.conf} line {finding.line}: Enter opens it", style="dim")
        if finding.fix:
            text.append(f"\nf: {FIX_NAMES.get(finding.fix, finding.fix)}", style="green")
        detail.update(text)

    @on(DataTable.RowSelected, "#health-findings")
    def open_finding(self) -> None:
        finding = self.current
        if finding is None:
            return
        if finding.conf:
            self.app.action_show_conf(finding.conf, finding.line)
        elif finding.domain != ROOT:
            self.app.open_domain(finding.domain)
        else:
            self.notify("This finding is about the root or the host: its line says how to mend it.")
