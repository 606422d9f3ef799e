"""The root model: discovery of the domains, their passwd and accounts, filtering and sorting."""
