"""The address prompt of the Services tab: enable a service on a domain's address(es), or
disable it. The change runs in a worker; a refusal (an address given to another domain, a
bad address, the conf file's linter) is shown in the dialog, which stays open, and nothing
is changed. Dismissed with the lines saying what was done, or None when cancelled."""

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from virttui.names import printable
from virttui.services.catalog import Service
from virttui.services.enabling import ServiceRefused, parse_addresses

# Runs the change with the addresses typed; returns what was done (lines), or raises ServiceRefused.
Change = Callable[[list[str]], list[str]]


class ServicePromptScreen(ModalScreen[list[str] | None]):
    CSS_PATH = "service_prompt.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    busy = reactive(False)

    def __init__(self, verb: str, domain: str, service: Service, addresses: list[str], change: Change) -> None:
        super().__init__()
        self.verb = verb            # "enable" or "disable"
        self.domain = domain
        self.service = service
        self.addresses = addresses  # what the Input starts with
        self.change = change

    def compose(self) -> ComposeResult:
        with Vertical(id="service-prompt"):
            yield Label(Text.assemble(f"{self.verb.capitalize()} ", (self.service.name, "bold"), " on ",
                                      (printable(self.domain), "bold")), id="prompt-title")
            yield Static(Text(printable(self.service.description)), id="prompt-description")
            yield Input(" ".join(self.addresses), placeholder=self._placeholder(), id="prompt-addresses")
            yield Static(id="prompt-check")
            yield Static(id="prompt-refusal")
            with Horizontal(id="prompt-buttons"):
                yield Button(self.verb.capitalize(), variant="primary", id="prompt-submit")
                yield Button("Cancel", id="prompt-cancel")

    def _placeholder(self) -> str:
        if self.verb == "enable":
            return "address(es): 127.0.0.2, ::1 or default, separated by spaces"
        return "empty: every line of this domain"

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.check(self.query_one(Input).value)

    @on(Input.Changed, "#prompt-addresses")
    def typed(self, event: Input.Changed) -> None:
        self.query_one("#prompt-refusal", Static).update("")
        self.check(event.value)

    def check(self, value: str) -> bool:
        """Says, as the addresses are typed, what the change will do; whether they parse."""
        label = self.query_one("#prompt-check", Static)
        conf = f"conf.{self.service.name}"
        try:
            addresses = parse_addresses(value.split())
        except ServiceRefused as refused:
            label.update(Text(f"✗ {refused}"))
            label.set_classes("bad")
            return False
        if self.verb == "disable":
            said = (f"{conf}: removes the lines of {', '.join(addresses)}" if addresses
                    else f"{conf}: removes every line of {self.domain}")
        elif addresses:
            said = f"{conf}: adds {', '.join(addresses)} → {self.domain}"
        else:
            said = "give at least one address"
        label.update(Text(printable(said)))
        label.set_classes("hint" if self.verb == "disable" or addresses else "bad")
        return self.verb == "disable" or bool(addresses)

    @on(Input.Submitted, "#prompt-addresses")
    @on(Button.Pressed, "#prompt-submit")
    def submit(self) -> None:
        value = self.query_one(Input).value
        if self.busy or not self.check(value):
            return
        self.busy = True
        self.run_change(value.split())

    @on(Button.Pressed, "#prompt-cancel")
    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    def watch_busy(self, busy: bool) -> None:
        self.query_one("#prompt-submit", Button).disabled = busy
        self.query_one(Input).disabled = busy
        if busy:
            self.query_one("#prompt-refusal", Static).update(Text(f"{self.verb.rstrip('e')}ing…"))
            self.query_one("#prompt-refusal", Static).set_classes("hint")

    @work(thread=True, exclusive=True)
    def run_change(self, addresses: list[str]) -> None:
        try:
            done = self.change(addresses)
        except (ServiceRefused, OSError) as refused:
            self.app.call_from_thread(self.refused, str(refused))
            return
        self.app.call_from_thread(self.dismiss, done)

    def refused(self, message: str) -> None:
        self.busy = False
        refusal = self.query_one("#prompt-refusal", Static)
        refusal.update(Text(f"✗ {printable(message)}"))
        refusal.set_classes("bad")
        self.query_one(Input).focus()
