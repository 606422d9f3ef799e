"""The tabs that capabilities add to the domain detail, after Overview and Users.

A capability that shows something per domain writes a `DomainTab` (screens/widgets/domain_tab.py)
in its own module: made with the `Domain`, its `show_domain(domain)` is called once the
domain's details are loaded (and again after a reload). Then it adds one `DetailTab` line
below. The tabs get the keys 3, 4, ... in this order.
"""

from dataclasses import dataclass
from typing import Callable

from screens.widgets.domain_log import DomainLogView
from screens.widgets.domain_tab import DomainTab
from screens.widgets.mailboxes import MailboxesView
from screens.widgets.services import ServicesView
from virttui.domains.discovery import Domain


@dataclass(frozen=True)
class DetailTab:
    title: str
    id: str
    make: Callable[[Domain], DomainTab]


DETAIL_TABS: list[DetailTab] = [
    DetailTab("Mail", "mail", MailboxesView),
    DetailTab("Log", "log", DomainLogView),
    DetailTab("Services", "services", ServicesView),
]
