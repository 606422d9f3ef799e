"""Benchmarks time the project as installed: byte-compiled, as pip leaves textual. An
editable install run with PYTHONDONTWRITEBYTECODE would otherwise compile virttui and
screens again at every start."""

import compileall
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def compile_project() -> None:
    for package in ("virttui", "screens"):
        compileall.compile_dir(str(REPO / package), quiet=1)
