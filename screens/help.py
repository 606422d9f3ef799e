"""`?`: every key of every screen, read from the screens' own BINDINGS."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static


def key_rows(sources) -> list[tuple[str, str, str]]:
    """(where, keys, what) for every binding with a description, in the order given."""
    rows = []
    for where, source in sources:
        for binding in getattr(source, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            keys = ", ".join(_key_name(k) for k in binding.key.split(","))
            rows.append((where, keys, binding.tooltip or binding.description))
    return rows


def _key_name(key: str) -> str:
    return {"slash": "/", "question_mark": "?", "escape": "Esc", "enter": "Enter"}.get(key.strip(), key.strip())


class HelpScreen(ModalScreen):
    CSS_PATH = "help.tcss"

    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]

    def __init__(self, sources) -> None:
        super().__init__()
        self.sources = sources

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static("[b]Keys[/b]  (every action is also in the command palette: ctrl+p)", id="help-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Where", "Key", "Action")
        for row in key_rows(self.sources):
            table.add_row(*row)
        table.focus()
