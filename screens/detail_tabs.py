"""The tabs that capabilities add to the domain detail, after Overview and Users.

A capability that shows something per domain writes a widget in its own module whose
constructor takes the `Domain` and which has a `show_domain(domain)` method; the detail
screen calls it once the domain's details are loaded (and again after a reload). Then it
adds one `DetailTab` line below. The tabs get the keys 3, 4, ... in this order.
"""

from dataclasses import dataclass
from typing import Callable, Protocol

from textual.widget import Widget

from screens.widgets.domain_log import DomainLogView
from screens.widgets.mailboxes import MailboxesView
from screens.widgets.services import ServicesView
from virttui.domains.discovery import Domain


class DomainTab(Protocol):
    """What the detail screen calls on a tab's widget."""

    def show_domain(self, domain: Domain) -> None: ...


@dataclass(frozen=True)
class DetailTab:
    title: str
    id: str
    make: Callable[[Domain], Widget]


DETAIL_TABS: list[DetailTab] = [
    DetailTab("Mail", "mail", MailboxesView),
    DetailTab("Log", "log", DomainLogView),
    DetailTab("Services", "services", ServicesView),
]
