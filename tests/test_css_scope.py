"""A screen's .tcss styles that screen only: once loaded, a screen's CSS applies to the whole
app, so every rule of it is nested under the screen's type."""

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen
from textual.widgets import Static

import screens
from screens.app import VirtTuiApp
from screens.conf import ConfScreen
from screens.health import HealthScreen
from screens.log import LogScreen
from screens.new_domain import NewDomainScreen
from screens.user_forms import ConfirmScreen
from tests.app_pilot import settle
from virttui.settings import load_settings

SCREENS_DIR = Path(screens.__file__).parent
# Classes that screens' own CSS might style, if it leaked.
PROBE_CLASSES = "good bad hint problem pane-title field-title form form-title form-error form-buttons"


def classes_with_css() -> dict[str, list[type]]:
    """Each .tcss file name, and the classes whose CSS_PATH names it."""
    found: dict[str, list[type]] = {}
    for module in pkgutil.walk_packages([str(SCREENS_DIR)], "screens."):
        for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            css_path = cls.__dict__.get("CSS_PATH")
            for name in [css_path] if isinstance(css_path, str) else css_path or []:
                if isinstance(name, str) and cls not in found.get(name, []):
                    found.setdefault(name, []).append(cls)
    return found


def rules_of(path: Path):
    sheet = Stylesheet(variables=App().get_css_variables())
    sheet.read(path)
    sheet.parse()
    return sheet.rules


# A screen's file may also be read with the App's (read once, before the first frame): its
# rules still start with the screen's type.
SCREEN_CSS = {name: [cls for cls in classes if issubclass(cls, Screen)]
              for name, classes in classes_with_css().items() if any(issubclass(cls, Screen) for cls in classes)}


def test_every_screen_css_file_is_found():
    tcss = {path.name for path in SCREENS_DIR.glob("*.tcss")}
    apps = {name for name, classes in classes_with_css().items() if name not in SCREEN_CSS}
    assert tcss == set(SCREEN_CSS) | apps
    assert apps == {"app.tcss", "picker.tcss"}, "only an App's own CSS may style every screen"


@pytest.mark.parametrize("name", sorted(SCREEN_CSS))
def test_each_rule_starts_with_its_screen(name):
    types = {cls.__name__ for cls in SCREEN_CSS[name]}
    for rule in rules_of(SCREENS_DIR / name):
        for selector_set in rule.selector_set:
            first = selector_set.selectors[0]
            assert first.name in types, (
                f"{name}: rule {rule.selectors!r} is not nested under {' or '.join(sorted(types))}: "
                "once the screen is loaded it would style every screen")


def looks(widget) -> tuple:
    styles = widget.styles
    return (widget.rich_style, styles.padding, styles.margin, styles.width, styles.height, styles.border)


async def test_a_screen_seen_leaves_the_others_unstyled(demo_root):
    """A widget carrying every class the screens use looks the same before and after those
    screens were shown."""
    app = VirtTuiApp(load_settings(config=str(demo_root / ".virttui.yaml"), environ={}))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        probe = Static("probe", classes=PROBE_CLASSES)
        await app.screen.mount(probe)
        await settle(pilot)
        before = looks(probe)
        for screen in (NewDomainScreen(), ConfScreen(), HealthScreen(), LogScreen(), ConfirmScreen("?")):
            await app.push_screen(screen)
            await settle(pilot)
            await app.pop_screen()
            await settle(pilot)
        assert looks(probe) == before, f"a screen's CSS styles the domains screen after {type(screen).__name__}"
