"""Demo roots at fixed paths, so that the paths shown on screen are the same in every run."""

from pathlib import Path

from virttui.demo import build_demo
from virttui.settings import load_settings

SNAPSHOT_BASE = Path("/tmp/virttui-snap")


def demo_settings(area: str):
    """A fresh demo root at /tmp/virttui-snap/AREA and its settings."""
    config = build_demo(SNAPSHOT_BASE / area)
    return load_settings(config=str(config), environ={})


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
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
