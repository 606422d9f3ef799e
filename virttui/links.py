"""The virtNAME links: one symlink to virtexec per catalog command (virtpasswd runs passwd
inside a domain). A file that is not our link is never touched."""

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from virttui.catalog import CatalogCommand


class Link(StrEnum):
    """What stands where a virtNAME link goes."""
    INSTALLED = "installed"        # a link to this virtexec
    MISSING = "missing"
    ELSEWHERE = "other virtexec"   # a link to another virtexec (another installation)
    FOREIGN = "foreign file"       # something else: left alone


INSTALLED, MISSING, ELSEWHERE, FOREIGN = Link.INSTALLED, Link.MISSING, Link.ELSEWHERE, Link.FOREIGN


@dataclass(frozen=True)
class LinkState:
    command: str
    path: Path
    state: Link


def link_state(path: Path, virtexec: Path) -> Link:
    if not path.is_symlink():
        return FOREIGN if path.exists() else MISSING
    target = Path(os.readlink(path))
    if not target.is_absolute():
        target = path.parent / target
    if target.resolve() == virtexec.resolve():
        return INSTALLED
    return ELSEWHERE if target.name == "virtexec" else FOREIGN


def states(directory: Path, virtexec: Path, catalog: dict[str, CatalogCommand]) -> list[LinkState]:
    return [LinkState(name, directory / f"virt{name}", link_state(directory / f"virt{name}", virtexec))
            for name in catalog]


def install(directory: Path, virtexec: Path, catalog: dict[str, CatalogCommand]) -> list[LinkState]:
    """Make the missing links; report every link's state after (foreign files stay as they are)."""
    for entry in states(directory, virtexec, catalog):
        if entry.state == MISSING:
            os.symlink(virtexec, entry.path)
    return states(directory, virtexec, catalog)
