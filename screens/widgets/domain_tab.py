"""The base of the domain detail's tabs that capabilities add (screens/detail_tabs.py)."""

from textual.containers import Vertical

from virttui.domains.discovery import Domain


class DomainTab(Vertical):
    """A tab of one domain: made with the `Domain`, told again each time its details are
    (re)loaded."""

    def __init__(self, domain: Domain) -> None:
        super().__init__()
        self.domain = domain

    def show_domain(self, domain: Domain) -> None:
        """The domain's details are loaded (or loaded again): show them."""
        raise NotImplementedError
