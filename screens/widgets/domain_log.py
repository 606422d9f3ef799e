"""The Log tab of the domain detail: the domain's own lines of the shared log, and a
sparkline of its messages per minute."""

import calendar
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.widgets import RichLog, Sparkline, Static

from screens.widgets.domain_tab import DomainTab
from virttui.domains.discovery import Domain
from virttui.names import printable
from virttui.syslog.logline import shown
from virttui.syslog.page import LogPage, load_page
from virttui.syslog.query import LogQuery

if TYPE_CHECKING:
    from screens.app import VirtTuiApp

LINES = 200
MINUTES = 60


def minute_shown(minute: str) -> str:
    """A minute in one form whatever the line's: '2026-11-24T09:01' as 'Nov 24 09:01'."""
    if "T" not in minute:
        return minute
    day, time = minute.split("T", 1)
    try:
        month, date = calendar.month_abbr[int(day[5:7])], int(day[8:10])
    except (ValueError, IndexError):
        return minute
    return f"{month} {date:2d} {time}"


class DomainLogView(DomainTab):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    DEFAULT_CSS = """
    DomainLogView > #domain-log-rate {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    DomainLogView > Sparkline {
        height: 2;
        margin: 0 1;
    }
    DomainLogView > RichLog {
        height: 1fr;
    }
    """

    def __init__(self, domain: Domain) -> None:
        super().__init__(domain)

    def compose(self) -> ComposeResult:
        yield Static(id="domain-log-rate", markup=False)
        yield Sparkline([], summary_function=max)
        yield RichLog(id="domain-log-lines", max_lines=LINES)

    def show_domain(self, domain: Domain) -> None:
        self.domain = domain
        self.read_log(domain.alias_of or domain.name)

    @work(thread=True, exclusive=True)
    def read_log(self, name: str) -> None:
        settings = self.app.settings
        self.app.call_from_thread(self.show_progress, 0.0)
        try:
            page = load_page(str(settings.log_file), LogQuery(domain=name), LINES,
                             progress=lambda done: self.app.call_from_thread(self.show_progress, done))
        except OSError as error:
            self.app.call_from_thread(self.show_page, None, f"{settings.log_file}: {error.strerror}")
            return
        self.app.call_from_thread(self.show_page, page, "")

    def show_progress(self, done: float) -> None:
        """As the log screen does: a large log is read for seconds, and the tab says so."""
        name = self.domain.alias_of or self.domain.name
        self.query_one("#domain-log-rate", Static).update(f"Reading the log for {name}… {done:.0%}")

    def show_page(self, page: LogPage | None, problem: str) -> None:
        log = self.query_one(RichLog)
        log.clear()
        sparkline = self.query_one(Sparkline)
        label = self.query_one("#domain-log-rate", Static)
        if page is None:
            sparkline.data = []
            label.update(printable(problem))
            return
        minutes = page.minutes[-MINUTES:]
        sparkline.data = [page.per_minute[m] for m in minutes]
        total = sum(page.per_minute.values())
        if minutes:
            label.update(f"{total} message{'s' * (total != 1)}; per minute, {minute_shown(minutes[0])} to "
                         f"{minute_shown(minutes[-1])} (busiest {max(sparkline.data)})")
        else:
            label.update(f"No line of {self.domain.alias_of or self.domain.name} in {self.app.settings.log_file}")
        for line in page.lines:
            log.write(Text(shown(line.text)))
