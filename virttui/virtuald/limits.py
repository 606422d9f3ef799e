"""The dispatcher's connections: who is being served (a child per connection), how many per
domain and per client, the limits, and what was refused. Standard library only."""

MAX_CONNECTIONS = "max-connections"
PER_DOMAIN = "per-domain"
PER_CLIENT = "per-client"
NO_DOMAIN = "no-domain"
CANNOT_START = "cannot-start"
FORK_FAILED = "fork-failed"
REFUSALS = (MAX_CONNECTIONS, PER_DOMAIN, PER_CLIENT, NO_DOMAIN, CANNOT_START, FORK_FAILED)


class Limits:
    """0 is no limit."""

    __slots__ = ("max_connections", "per_domain", "per_client")

    def __init__(self, max_connections: int = 0, per_domain: int = 0, per_client: int = 0):
        self.max_connections = max_connections
        self.per_domain = per_domain
        self.per_client = per_client

    def as_dict(self) -> dict:
        return {MAX_CONNECTIONS: self.max_connections, PER_DOMAIN: self.per_domain, PER_CLIENT: self.per_client}


class Connections:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.children: dict[int, tuple[str, str]] = {}  # pid or ticket -> (domain directory, client address)
        self.domains: dict[str, int] = {}
        self.clients: dict[str, int] = {}
        self.refused = dict.fromkeys(REFUSALS, 0)
        self.served = 0

    def over_limit(self, domain: str, client: str):
        """The limit a new connection would pass, as (name, its value), or None."""
        limits = self.limits
        if limits.max_connections and len(self.children) >= limits.max_connections:
            return MAX_CONNECTIONS, limits.max_connections
        if limits.per_domain and self.domains.get(domain, 0) >= limits.per_domain:
            return PER_DOMAIN, limits.per_domain
        if limits.per_client and self.clients.get(client, 0) >= limits.per_client:
            return PER_CLIENT, limits.per_client
        return None

    def refuse(self, reason: str) -> None:
        self.refused[reason] += 1

    def add(self, key: int, domain: str, client: str) -> None:
        """A connection handed to a child (`key`: its pid, or the spawner's ticket)."""
        self.children[key] = (domain, client)
        self.domains[domain] = self.domains.get(domain, 0) + 1
        if self.limits.per_client:
            self.clients[client] = self.clients.get(client, 0) + 1
        self.served += 1

    def fail(self, key: int, reason: str) -> None:
        """A connection handed over whose server could not be started."""
        if key in self.children:
            self.remove(key)
            self.served -= 1
            self.refuse(reason)

    def remove(self, key: int) -> None:
        entry = self.children.pop(key, None)
        if entry is None:
            return
        domain, client = entry
        _decrement(self.domains, domain)
        if self.limits.per_client:
            _decrement(self.clients, client)


def _decrement(counts: dict, key: str) -> None:
    left = counts[key] - 1
    if left:
        counts[key] = left
    else:
        del counts[key]
