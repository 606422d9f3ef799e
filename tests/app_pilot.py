"""The app under Textual's pilot: the sizes snapshots are taken at, an app on a root, and
waiting until what a key started has finished."""

from pathlib import Path

from screens.app import VirtTuiApp
from virttui.settings import load_settings

SIZES = [(80, 24), (120, 40)]   # every screen's snapshots: the smallest terminal, and a larger one
SETTINGS_NAMES = (".virttui.yaml", "virttui.yaml")
UNTIL_CANCELLED = {"log-follow"}   # worker groups that run as long as their screen: never waited for


def app_on(root: Path, **options) -> VirtTuiApp:
    """The app on `root`, with the settings file beside its domains when it has one."""
    config = next((root / name for name in SETTINGS_NAMES if (root / name).exists()), None)
    settings = load_settings(config=str(config) if config else None,
                             root=None if config else str(root), environ={})
    return VirtTuiApp(settings, **options)


async def settle(pilot) -> None:
    """Let every worker finish (but those that follow a file), then every message it posted."""
    workers = [worker for worker in pilot.app.workers if worker.group not in UNTIL_CANCELLED]
    if workers:   # an empty list would mean every worker
        await pilot.app.workers.wait_for_complete(workers)
    await pilot.pause()


async def press_settled(pilot, *keys: str) -> None:
    """Settle, then press each key and let what it started finish."""
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def pressing(*keys: str):
    """A snap_compare `run_before` that presses `keys`, settling after each."""
    async def run_before(pilot):
        await press_settled(pilot, *keys)
    return run_before
