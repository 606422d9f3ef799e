"""The command palette's domains: type a name, open its detail."""

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from screens.app import VirtTuiApp


class DomainCommands(Provider):
    """Offers every domain of the root as 'Open DOMAIN'."""

    if TYPE_CHECKING:
        @property
        def app(self) -> VirtTuiApp: ...

    def _names(self) -> list[str]:
        model = getattr(self.app, "root_model", None)
        return [d.name for d in model.domains] if model else []

    async def discover(self) -> Hits:
        for name in self._names()[:50]:
            yield DiscoveryHit(f"Open {name}", partial(self.app.open_domain, name), help="Domain detail")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        shown = 0
        for name in self._names():
            score = matcher.match(f"Open {name}")
            if score > 0:
                yield Hit(score, matcher.highlight(f"Open {name}"), partial(self.app.open_domain, name),
                          help="Domain detail")
                shown += 1
                if shown >= 200:  # enough to choose from on a huge root
                    return
