"""Filtering and sorting a root's domains fast enough to follow every keystroke.

One search key per domain (name, alias target, addresses, in lower case) is
kept, so a filter over 100,000 domains is one pass of substring tests. The
domains table and the picker both use it; so can a script.
"""

from virttui.domains.discovery import Domain
from virttui.names import quoted

SORT_KEYS = ("name", "addresses", "users", "devlog", "disk")


def search_key(domain: Domain) -> str:
    parts = [domain.name, domain.alias_of or "", *domain.all_addresses(), *domain.services]
    return " ".join(parts).lower()


def _sort_value(domain: Domain, key: str):
    if key == "addresses":
        return (domain.all_addresses() or ["~"])[0], domain.name
    if key == "users":
        return -len(domain.people), domain.name
    if key == "devlog":
        return domain.devlog, domain.name
    if key == "disk":
        return -(domain.disk or 0), domain.name
    return domain.name


class DomainIndex:
    """The domains in view: `shown` is the list of positions in `domains` that pass the filter, in sort order."""

    def __init__(self, domains: list[Domain] | None = None):
        self.domains: list[Domain] = []
        self.keys: list[str] = []
        self.filter_text = ""
        self.sort_key = "name"
        self._order: list[int] = []
        self.shown: list[int] = []
        self.replace(domains or [])

    def replace(self, domains: list[Domain]) -> None:
        self.domains = list(domains)
        self.keys = [search_key(d) for d in self.domains]
        self._sort()

    def refresh_keys(self, positions) -> None:
        """Recompute the search keys of domains whose details arrived."""
        for position in positions:
            self.keys[position] = search_key(self.domains[position])

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self._apply_filter()

    def set_sort(self, key: str) -> None:
        if key not in SORT_KEYS:
            raise ValueError(f"unknown sort key {quoted(key)}; one of {', '.join(SORT_KEYS)}")
        self.sort_key = key
        self._sort()

    def resort(self) -> None:
        self._sort()

    def _sort(self) -> None:
        domains, key = self.domains, self.sort_key
        if key == "name":
            self._order = sorted(range(len(domains)), key=lambda i: domains[i].name)
        else:
            self._order = sorted(range(len(domains)), key=lambda i: _sort_value(domains[i], key))
        self._apply_filter()

    def _apply_filter(self) -> None:
        text = self.filter_text
        if not text:
            self.shown = list(self._order)
            return
        keys = self.keys
        terms = text.split()
        if len(terms) == 1:
            self.shown = [i for i in self._order if text in keys[i]]
        else:
            self.shown = [i for i in self._order if all(t in keys[i] for t in terms)]

    def __len__(self) -> int:
        return len(self.shown)

    def __getitem__(self, row: int) -> Domain:
        return self.domains[self.shown[row]]
