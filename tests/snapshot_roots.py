"""Demo roots for snapshots, in a directory of this run's own (two runs at once never share
one), whose path is as long as the one the snapshots show: the screens are laid out alike, and
each screenshot shows SHOWN_BASE in its place (see snap_compare in conftest.py)."""

import atexit
import shutil
import tempfile
from pathlib import Path

from virttui.demo import build_demo
from virttui.settings import load_settings

SHOWN_BASE = "/tmp/virttui-snap"


def _base_of_this_run() -> Path:
    while True:
        path = tempfile.mkdtemp(prefix="snap", dir="/tmp")
        if len(path) == len(SHOWN_BASE):
            atexit.register(shutil.rmtree, path, ignore_errors=True)
            return Path(path)
        shutil.rmtree(path)


SNAPSHOT_BASE = _base_of_this_run()


def demo_settings(area: str):
    """A fresh demo root at SNAPSHOT_BASE/AREA and its settings."""
    config = build_demo(SNAPSHOT_BASE / area)
    return load_settings(config=str(config), environ={})


def shown_as_in_snapshots(svg: str) -> str:
    return svg.replace(str(SNAPSHOT_BASE), SHOWN_BASE)
