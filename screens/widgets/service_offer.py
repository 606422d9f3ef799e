"""The services a freshly built domain can be served with: shown by the new-domain screen
after a successful build. Tick services, give the address(es), and each is enabled in a
worker (virttui.services.enabling.enable: the profile if missing, then the conf line)."""

from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Button, Input, SelectionList, Static

from screens.widgets.services import enabled_lines
from virttui.names import printable
from virttui.services.catalog import ConfigError, Service, load_services
from virttui.services.enabling import ServiceRefused, enable, parse_addresses

if TYPE_CHECKING:
    from screens.app import VirtTuiApp


class ServiceOffer(Vertical):
    if TYPE_CHECKING:
        app = getters.app(VirtTuiApp)

    DEFAULT_CSS = """
    ServiceOffer {
        height: auto;
        margin-top: 1;
    }
    ServiceOffer > .offer-title {
        text-style: bold;
    }
    ServiceOffer > SelectionList {
        height: auto;
        max-height: 8;
    }
    ServiceOffer > Horizontal {
        height: auto;
    }
    ServiceOffer #offer-addresses {
        width: 1fr;
        max-width: 60;
    }
    ServiceOffer #offer-check, ServiceOffer #offer-results {
        height: auto;
    }
    ServiceOffer .bad {
        color: $error;
    }
    ServiceOffer .hint {
        color: $text-muted;
    }
    """

    BINDINGS = [Binding("ctrl+s", "enable", "Enable services", tooltip="Enable the ticked services")]

    busy = reactive(False)
    results: reactive[tuple[tuple[str, bool], ...]] = reactive(tuple)   # (line, refused)

    def __init__(self, domain: str) -> None:
        super().__init__()
        self.domain = domain
        self.services: dict[str, Service] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Serve {self.domain}"), classes="offer-title")
        yield SelectionList[str](id="offer-services")
        with Horizontal():
            yield Input(placeholder="address(es): 127.0.0.2, ::1 or default", id="offer-addresses")
            yield Button("Enable", variant="primary", id="offer-enable")
        yield Static(id="offer-check")
        yield Static(id="offer-results")

    def on_mount(self) -> None:
        self.check()
        self.load_catalog()

    @work(thread=True, exclusive=True, group="service-catalog")
    def load_catalog(self) -> None:
        try:
            services = load_services(self.app.settings.services)
        except ConfigError as error:
            self.app.call_from_thread(setattr, self, "results", ((str(error), True),))
            return
        self.app.call_from_thread(self.offer, services)

    def offer(self, services: dict[str, Service]) -> None:
        self.services = services
        offered = self.query_one(SelectionList)
        for name, service in self.services.items():
            offered.add_option((Text(f"{name:<5} {printable(service.description)}"), name))
        self.check()
        offered.focus()

    @on(Input.Changed, "#offer-addresses")
    @on(SelectionList.SelectedChanged, "#offer-services")
    def check(self) -> bool:
        label = self.query_one("#offer-check", Static)
        chosen = list(self.query_one(SelectionList).selected)
        try:
            addresses = parse_addresses(self.query_one(Input).value.split())
        except ServiceRefused as refused:
            label.update(Text(f"✗ {refused}"))
            label.set_classes("bad")
            return False
        if not chosen or not addresses:
            label.update(Text("Tick services and give an address, then Enable (ctrl+s); or leave it for later "
                              "(the domain's Services tab)."))
            label.set_classes("hint")
            return False
        label.update(Text(f"Will enable {', '.join(chosen)} on {', '.join(addresses)}."))
        label.set_classes("hint")
        return True

    @on(Input.Submitted, "#offer-addresses")
    @on(Button.Pressed, "#offer-enable")
    def action_enable(self) -> None:
        if self.busy or not self.check():
            return
        self.busy = True
        self.enable_chosen(list(self.query_one(SelectionList).selected), self.query_one(Input).value.split())

    def watch_busy(self, busy: bool) -> None:
        self.query_one("#offer-enable", Button).disabled = busy

    @work(thread=True, exclusive=True, group="service-offer")
    def enable_chosen(self, chosen: list[str], addresses: list[str]) -> None:
        results = []
        for name in chosen:
            try:
                done = enable(self.app.settings, self.services, self.domain, name, addresses)
            except (ServiceRefused, OSError) as refused:
                results.append((f"✗ {name}: {refused}", True))
                continue
            results += [(f"✓ {line}", False) for line in enabled_lines(done)]
        self.app.call_from_thread(self.finished, tuple(results))

    def finished(self, results: tuple[tuple[str, bool], ...]) -> None:
        self.busy = False
        self.results = results
        self.app.action_reload_in_background()

    def watch_results(self, results: tuple[tuple[str, bool], ...]) -> None:
        text = Text()
        for index, (line, refused) in enumerate(results):
            text.append(("\n" if index else "") + printable(line), style="red" if refused else "green")
        self.query_one("#offer-results", Static).update(text)
        self.call_after_refresh(self.scroll_visible, animate=False)
