"""A table of domains that stays fast at 100,000 rows.

A Line API widget: only the rows on screen are rendered, so filtering or
sorting costs one pass over a list of indices, whatever the number of
domains. The data side (filter, sort) is virttui.domains.index.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from virttui.domains.discovery import DevLog, Domain
from virttui.domains.index import SORT_KEYS, DomainIndex
from virttui.mail.mailbox import human_size
from virttui.names import printable


@dataclass(frozen=True)
class Column:
    title: str
    min_width: int
    flex: int = 0
    sort: str | None = None   # the sort key a click on its title chooses


COLUMNS = (
    Column("Domain", 16, flex=3, sort="name"),
    Column("Addresses", 12, flex=2, sort="addresses"),
    Column("Services", 9, flex=1),
    Column("Users", 7, sort="users"),
    Column("dev/log", 10, sort="devlog"),
    Column("Alias of", 10, flex=1),
)
# Shown once some domain's disk use is counted (U): until then it would be a column of dots.
DISK_COLUMN = Column("Disk", 9, sort="disk")
MARK = "* "

DEVLOG_TEXT = {
    DevLog.LINKED: "linked",
    DevLog.STALE: "STALE",
    DevLog.MISSING: "MISSING",
    DevLog.NOT_SOCKET: "not socket",
    DevLog.NO_SOCKET: "no socket",
    DevLog.OWN: "own",
    DevLog.UNKNOWN: "…",
}


def cells_of(domain: Domain, marked: bool = False, disk: bool = False) -> tuple[str, ...]:
    name = MARK + domain.name if marked else domain.name
    if domain.alias_of:
        return (name, "", "", "", "", domain.alias_of) + (("",) if disk else ())
    users = str(len(domain.people)) if domain.loaded else "…"
    services = "disabled" if domain.state == "disabled" and not domain.addresses else ",".join(domain.services)
    cells: tuple[str, ...] = (name, " ".join(domain.all_addresses()), services, users, DEVLOG_TEXT.get(domain.devlog, domain.devlog), "")
    if disk:
        cells += (human_size(domain.disk) if domain.disk is not None else "…",)
    return cells


def column_widths(total: int, columns: tuple[Column, ...] = COLUMNS) -> list[int]:
    """Share `total` cells between the columns: minimums first, the rest by flex."""
    gaps = len(columns) - 1
    widths = [c.min_width for c in columns]
    spare = total - gaps - sum(widths)
    flex_total = sum(c.flex for c in columns)
    if spare > 0 and flex_total:
        for i, column in enumerate(columns):
            widths[i] += spare * column.flex // flex_total
        widths[0] += total - gaps - sum(widths)  # rounding left-overs go to the name
    return widths


def fit(text: str, width: int) -> str:
    """`text` in `width` cells; a control character (a conf.SERVICE file's name, a typed
    filter) shown as \\xNN, never sent to the terminal."""
    text = printable(text)
    if len(text) <= width:
        return text.ljust(width)
    return text[: max(width - 1, 0)] + "…"


class DomainTable(ScrollView, can_focus=True):
    """The domains, one per row, with a cursor; Enter posts DomainTable.Selected."""

    DEFAULT_CSS = """
    DomainTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    DomainTable > .domain-table--header {
        text-style: bold;
        background: $primary 30%;
    }
    DomainTable > .domain-table--cursor {
        background: $accent 40%;
    }
    DomainTable:focus > .domain-table--cursor {
        background: $accent;
        color: $text;
    }
    DomainTable > .domain-table--alias {
        color: $text-muted;
        text-style: italic;
    }
    DomainTable > .domain-table--warning {
        color: $warning;
    }
    DomainTable > .domain-table--error {
        color: $error;
    }
    DomainTable > .domain-table--marked {
        text-style: bold;
        background: $secondary 35%;
    }
    DomainTable > .domain-table--disabled {
        color: $text-muted;
    }
    """

    COMPONENT_CLASSES = {
        "domain-table--header",
        "domain-table--cursor",
        "domain-table--alias",
        "domain-table--warning",
        "domain-table--error",
        "domain-table--marked",
        "domain-table--disabled",
    }

    BINDINGS = [
        Binding("enter", "select", "Open"),
        Binding("space", "toggle_mark", "Mark", tooltip="Mark the domain for a bulk action (b)"),
        Binding("o", "cycle_sort", "Sort", show=False, tooltip="Sort by the next column (or click a title)"),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
    ]

    cursor = reactive(0)
    sort_key = reactive("name")

    class Selected(Message):
        """The user chose a domain (Enter, or a click)."""

        def __init__(self, domain: Domain) -> None:
            self.domain = domain
            super().__init__()

    class ViewChanged(Message):
        """Rows shown changed (filter, sort or new data): the screen updates its counts."""

        def __init__(self, shown: int, total: int) -> None:
            self.shown, self.total = shown, total
            super().__init__()

    def __init__(self, without: tuple[str, ...] = (), **kwargs) -> None:
        """`without`: titles of columns left out (the picker reads no details: no Users, dev/log)."""
        super().__init__(**kwargs)
        self.index = DomainIndex()
        self.marked: set[str] = set()
        self.without = set(without)
        self._disk_counted = False   # some domain's disk use is known: the Disk column shows

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return COLUMNS + (DISK_COLUMN,) if self.disk_shown else COLUMNS

    @property
    def columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.all_columns if column.title not in self.without)

    @property
    def disk_shown(self) -> bool:
        return self._disk_counted

    # -- marks -------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        domain = self.current_domain
        if domain is None:
            return
        self.marked.symmetric_difference_update({domain.name})
        self.cursor += 1
        self.refresh()
        self.post_message(self.ViewChanged(len(self.index), len(self.index.domains)))

    @property
    def marked_domains(self) -> list[Domain]:
        return [domain for domain in self.index.domains if domain.name in self.marked]

    # -- data --------------------------------------------------------------

    def set_domains(self, domains: list[Domain]) -> None:
        selected = self.current_domain
        counted = {domain.name: domain.disk for domain in self.index.domains if domain.disk is not None}
        for domain in domains:
            domain.disk = counted.get(domain.name, domain.disk)
        names = {domain.name for domain in domains}
        self.marked &= names
        self.index.replace(domains)
        self._disk_counted = False
        self._after_change(keep=selected)

    def details_arrived(self, positions: list[int]) -> None:
        """Some domains got their details: refresh their search keys and repaint."""
        self.index.refresh_keys(positions)
        if self.sort_key != "name" or self.index.filter_text:
            selected = self.current_domain
            self.index.resort()
            self._after_change(keep=selected)
        else:
            self.refresh()

    def set_filter(self, text: str) -> None:
        selected = self.current_domain
        self.index.set_filter(text)
        self._after_change(keep=selected)

    def watch_sort_key(self, key: str) -> None:
        selected = self.current_domain
        self.index.set_sort(key)
        self._after_change(keep=selected)

    @property
    def current_domain(self) -> Domain | None:
        if 0 <= self.cursor < len(self.index):
            return self.index[self.cursor]
        return None

    def _after_change(self, keep: Domain | None) -> None:
        rows = len(self.index)
        position = 0
        if keep is not None:   # by name: a reload makes new Domain objects
            for row, i in enumerate(self.index.shown):
                if self.index.domains[i].name == keep.name:
                    position = row
                    break
        self.virtual_size = Size(self.size.width, rows + 1)
        self.cursor = min(position, max(rows - 1, 0))
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.ViewChanged(rows, len(self.index.domains)))

    # -- cursor ------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.index) - 1)) if len(self.index) else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()

    def _scroll_cursor_into_view(self) -> None:
        body = max(self.scrollable_content_region.height - 1, 1)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False)

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= max(self.scrollable_content_region.height - 2, 1)

    def action_page_down(self) -> None:
        self.cursor += max(self.scrollable_content_region.height - 2, 1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.index) - 1

    def action_select(self) -> None:
        if self.current_domain is not None:
            self.post_message(self.Selected(self.current_domain))

    def action_cycle_sort(self) -> None:
        self.sort_key = SORT_KEYS[(SORT_KEYS.index(self.sort_key) + 1) % len(SORT_KEYS)]

    def on_click(self, event) -> None:
        if event.y == 0:
            self._sort_by_title_at(event.x)
            return
        row = round(self.scroll_y) + event.y - 1
        if 0 <= row < len(self.index):
            if row == self.cursor:
                self.action_select()
            self.cursor = row

    def _sort_by_title_at(self, x: int) -> None:
        left = 0
        for column, width in zip(self.columns, column_widths(self.scrollable_content_region.width, self.columns)):
            if left <= x < left + width + 1:
                if column.sort:
                    self.sort_key = column.sort
                return
            left += width + 1

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.index) + 1)
        self._scroll_cursor_into_view()

    # -- rendering ---------------------------------------------------------

    def render_lines(self, crop):
        # Whether the Disk column shows is looked up once a frame, not on each line: it is
        # a pass over every domain (their disk use is counted in a worker).
        if not self._disk_counted:
            self._disk_counted = any(domain.disk is not None for domain in self.index.domains)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        columns = self.columns
        widths = column_widths(width, columns)
        if y == 0:
            titles = [c.title + (" ▼" if c.sort == self.sort_key else "") for c in columns]
            style = self.get_component_rich_style("domain-table--header")
            return self._strip(titles, widths, width, style)
        row = round(self.scroll_y) + y - 1
        if row == 0 and not len(self.index) and self.index.filter_text:
            message = f" No domain matches “{self.index.filter_text}”: escape clears the filter."
            return Strip([Segment(fit(message, width), self.get_component_rich_style(
                "domain-table--warning"))], width)
        if row >= len(self.index):
            return Strip.blank(width, self.rich_style)
        domain = self.index[row]
        marked = domain.name in self.marked
        style = self._row_style(domain, row == self.cursor, marked)
        cells: Sequence[str] = cells_of(domain, marked, self.disk_shown)
        if self.without:
            cells = [cell for cell, column in zip(cells, self.all_columns) if column.title not in self.without]
        return self._strip(cells, widths, width, style)

    def _row_style(self, domain: Domain, is_cursor: bool, marked: bool = False) -> Style:
        style = self.rich_style
        if domain.state == "disabled" and not domain.addresses:
            style += self.get_component_rich_style("domain-table--disabled")
        elif domain.alias_of:
            style += self.get_component_rich_style("domain-table--alias")
        elif domain.problems or domain.devlog in (DevLog.NOT_SOCKET,):
            style += self.get_component_rich_style("domain-table--error")
        elif domain.devlog in (DevLog.STALE, DevLog.MISSING, DevLog.NO_SOCKET):
            style += self.get_component_rich_style("domain-table--warning")
        if marked:
            style += self.get_component_rich_style("domain-table--marked")
        if is_cursor:
            style += self.get_component_rich_style("domain-table--cursor")
        return style

    @staticmethod
    def _strip(cells, widths, width: int, style: Style) -> Strip:
        text = " ".join(fit(cell, w) for cell, w in zip(cells, widths))
        return Strip([Segment(fit(text, width), style)], width)
