"""The shared log, live: the last page at once, then every new line as it comes; filters by
domain, program and text (Enter applies them), a severity threshold, pause, jump to the end,
wrap. A filter on a file of gigabytes is scanned by a worker: the screen stays live."""

import time
from collections import deque
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, RichLog, Static
from textual.worker import get_current_worker

from virttui.names import BadDomainName, normalize_domain, printable
from virttui.syslog.logfile import Follower
from virttui.syslog.logline import SEVERITIES, LogLine, parse, shown
from virttui.syslog.page import LogPage, load_page
from virttui.syslog.query import LogQuery, Scanner

if TYPE_CHECKING:
    from screens.app import VirtTuiApp

PAGE = 1000          # lines kept on screen (and redrawn when wrapping changes)
POLL = 0.2           # seconds between two looks at the file while following
SEVERITY_STEPS = (None, 4, 3)   # all, warning and worse, err and worse


class LogState(Static):
    """The state line: scanning, following or paused, the filters, wrapping; or what went wrong."""

    paused = reactive(False)
    waiting = reactive(0)
    progress = reactive(1.0)
    severity = reactive(0)
    wrap = reactive(False)
    log_query: reactive[LogQuery] = reactive(LogQuery)   # not `query`: DOMNode.query is the DOM's
    problem = reactive("")

    def render(self) -> Content:
        if self.problem:
            return Content.styled(printable(self.problem), "bold red")
        parts = []
        if self.progress < 1.0:
            parts.append(f"scanning {self.progress:.0%}")
        parts.append(f"paused, {self.waiting} new" if self.paused else "following")
        query = self.log_query
        filters = [f"{name} {value}" for name, value in
                   (("domain", query.domain), ("program", query.program), ("text", query.text)) if value]
        threshold = SEVERITY_STEPS[self.severity]
        if threshold is not None:
            filters.append(f"severity {SEVERITIES[threshold]} and worse")
        parts.append("; ".join(filters) if filters else "all lines")
        if self.wrap:
            parts.append("wrapped")
        return Content(printable(" · ".join(parts)))


class LogScreen(Screen):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    CSS_PATH = "log.tcss"

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("space", "toggle_pause", "Pause"),
        Binding("G", "jump_end", "End", key_display="G"),
        Binding("w", "toggle_wrap", "Wrap"),
        Binding("slash", "focus_filters", "Filter"),
        Binding("v", "cycle_severity", "Severity", show=False, tooltip="Severity: all, warning+, err+"),
    ]

    paused = reactive(False)
    wrap = reactive(False, init=False)
    waiting = reactive(0)          # lines come while paused
    progress = reactive(1.0)       # of the scan for the current filter
    severity = reactive(0)         # index in SEVERITY_STEPS
    query_now: reactive[LogQuery] = reactive(LogQuery, init=False)

    def __init__(self, domain: str | None = None) -> None:
        super().__init__()
        self.start_domain = domain
        self.lines: deque[LogLine] = deque(maxlen=PAGE)
        self.pending: deque[LogLine] = deque(maxlen=PAGE)
        self.set_reactive(LogScreen.query_now, LogQuery(domain=domain))
        self.follower: Follower | None = None
        self.scanner: Scanner | None = None
        self.generation = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="log-filters"):
            yield Input(self.start_domain or "", placeholder="domain", id="filter-domain")
            yield Input(placeholder="program", id="filter-program")
            yield Input(placeholder="text", id="filter-text")
        yield LogState(id="log-state").data_bind(
            LogScreen.paused, LogScreen.waiting, LogScreen.progress, LogScreen.severity, LogScreen.wrap,
            log_query=LogScreen.query_now)
        yield RichLog(id="log-lines", max_lines=PAGE, auto_scroll=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "virttui"
        self.sub_title = f"log {self.app.settings.log_file}"
        self.query_one(RichLog).focus()
        self.reload()

    # -- reading ----------------------------------------------------------------

    def reload(self) -> None:
        self.workers.cancel_group(self, "log-follow")
        self.follower = None        # the page's follower, once the page is loaded
        self.generation += 1        # results of an older filter are dropped
        self.lines.clear()
        self.pending.clear()
        self.waiting = 0
        self.query_one(RichLog).clear()
        self.progress = 0.0
        self.query_one(LogState).problem = ""
        self.load(self.query_now, self.generation)

    @work(thread=True, exclusive=True, group="log-page")
    def load(self, query: LogQuery, generation: int) -> None:
        worker = get_current_worker()
        path = str(self.app.settings.log_file)
        try:
            page = load_page(path, query, PAGE,
                             progress=lambda done: self.app.call_from_thread(setattr, self, "progress", done),
                             cancelled=lambda: worker.is_cancelled)
        except OSError as error:
            self.app.call_from_thread(self.show_problem, f"{path}: {error.strerror}")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self.page_loaded, page, Follower(path, page.offset), generation)

    def page_loaded(self, page: LogPage, follower: Follower, generation: int) -> None:
        if generation != self.generation:
            follower.close()
            return
        self.scanner, self.follower = page.scanner, follower
        self.progress = 1.0
        self.add_lines(page.lines)
        self.follow(follower, page.scanner, generation)

    class NewLines(Message):
        """Lines appended to the log since the last look, for the filter of `generation`."""

        def __init__(self, lines: list[LogLine], generation: int) -> None:
            super().__init__()
            self.lines = lines
            self.generation = generation

    @work(thread=True, exclusive=True, group="log-follow")
    def follow(self, follower: Follower, scanner, generation: int) -> None:
        """Looks at the file every POLL seconds until cancelled (a new filter, the screen
        closed), posting what was appended; the follower is closed on the way out."""
        worker = get_current_worker()
        try:
            while not worker.is_cancelled:
                try:
                    fresh = [line for line in map(parse, follower.read()) if scanner.follows(line)]
                except OSError:
                    fresh = []
                if fresh:
                    self.post_message(self.NewLines(fresh, generation))
                time.sleep(POLL)
        finally:
            follower.close()

    @on(NewLines)
    def new_lines(self, message: NewLines) -> None:
        if message.generation == self.generation:
            self.add_lines(message.lines)

    def add_lines(self, lines: list[LogLine]) -> None:
        if self.paused:
            self.pending.extend(lines)
            self.waiting += len(lines)
            return
        log = self.query_one(RichLog)
        for line in lines:
            if self.shows(line):
                self.lines.append(line)
                log.write(self.styled(line))

    def shows(self, line: LogLine) -> bool:
        threshold = SEVERITY_STEPS[self.severity]
        return threshold is None or line.severity is None or line.severity <= threshold

    def styled(self, line: LogLine) -> Text:
        text = Text(shown(line.text), no_wrap=not self.wrap, overflow="ellipsis")
        if line.time:
            text.stylize("dim", 0, len(line.time))
        if line.severity is not None and line.severity <= 3:
            text.stylize("bold red")
        return text

    def show_problem(self, message: str) -> None:
        self.query_one(LogState).problem = message

    # -- actions ---------------------------------------------------------------------

    @on(Input.Submitted)
    def apply_filters(self) -> None:
        domain_text = self.query_one("#filter-domain", Input).value.strip()
        try:
            domain = normalize_domain(domain_text) if domain_text else None
        except BadDomainName as error:
            self.notify(f"domain: {error}", severity="error", markup=False)
            return
        program = self.query_one("#filter-program", Input).value.strip() or None
        text = self.query_one("#filter-text", Input).value or None
        self.query_now = LogQuery(domain=domain, program=program, text=text)
        self.query_one(RichLog).focus()
        self.reload()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one(RichLog).focus()
        else:
            self.app.pop_screen()

    def action_focus_filters(self) -> None:
        self.query_one("#filter-domain", Input).focus()   # an admin narrows to a domain first

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            waiting = list(self.pending)
            self.pending.clear()
            self.waiting = 0
            self.add_lines(waiting)

    def action_jump_end(self) -> None:
        log = self.query_one(RichLog)
        log.auto_scroll = True
        log.scroll_end(animate=False)

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap

    def watch_wrap(self) -> None:
        log = self.query_one(RichLog)
        log.wrap = self.wrap
        self.redraw()

    def action_cycle_severity(self) -> None:
        self.severity = (self.severity + 1) % len(SEVERITY_STEPS)
        self.redraw()

    def redraw(self) -> None:
        log = self.query_one(RichLog)
        log.clear()
        for line in self.lines:
            if self.shows(line):
                log.write(self.styled(line))
