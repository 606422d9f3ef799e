"""The Mail tab of the domain detail: each person's Maildir (new, read, size) and their last
POP3 or IMAP session seen in the shared log."""

from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from screens.widgets.domain_tab import DomainTab
from virttui.domains.discovery import Domain
from virttui.mail.logins import Login, read_last_logins
from virttui.mail.mailbox import Mailbox, human_size, mailboxes
from virttui.names import printable

if TYPE_CHECKING:
    from screens.app import VirtTuiApp


class MailboxesView(DomainTab):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    DEFAULT_CSS = """
    MailboxesView > DataTable {
        height: 1fr;
    }
    MailboxesView > #mail-note {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def __init__(self, domain: Domain) -> None:
        super().__init__(domain)

    def compose(self) -> ComposeResult:
        yield DataTable(id="mailboxes", cursor_type="row", zebra_stripes=True)
        yield Static(id="mail-note", markup=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("User", "New", "Read", "Size", "Last login", "Maildir")

    def show_domain(self, domain: Domain) -> None:
        self.domain = domain
        if domain.alias_of:
            self.show([], {}, f"An alias: its mail goes to the mailboxes of {domain.alias_of}.")
        else:
            self.count_mailboxes(domain)

    @work(thread=True, exclusive=True)
    def count_mailboxes(self, domain: Domain) -> None:
        boxes = mailboxes(domain)
        note = "" if boxes else "No user accounts: no mailboxes."
        note += ("\n" if note else "") + (f"MTA wiring: virttui mail wiring {domain.name} "
                                          "--mta qmail|postfix")
        log_file = str(self.app.settings.log_file)
        try:
            logins = read_last_logins(log_file, domain.name) if boxes else {}
        except OSError as error:
            logins = {}
            note += f"\nLast logins unknown: {log_file}: {error.strerror}"
        self.app.call_from_thread(self.show, boxes, logins, note)

    def show(self, boxes: list[Mailbox], logins: dict[str, Login], note: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for box in boxes:
            shown = str(box.maildir.relative_to(self.domain.path)) if not box.problem else box.problem
            login = logins[box.user].shown if box.user in logins else "-"
            cells = (box.user, str(box.new), str(box.cur), human_size(box.size), login, shown)
            table.add_row(*(Text(printable(cell)) for cell in cells), key=box.user)
        self.query_one("#mail-note", Static).update(note)
