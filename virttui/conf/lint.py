"""The conf-file linter: the parser's problems, and what only the filesystem and the
network can tell (a missing directory, one outside the root, an address that is on no
local interface).

`lint_file(path, root)` returns a `LintReport`; `virttui conf check` prints its lines as
`FILE:LINE: error|warning: message` and the conf screen shows them beside their lines.
"""

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from virttui.conf import conffile
from virttui.conf.conffile import DEFAULT, ERROR, WARNING, ConfFile, Mapping, Problem
from virttui.names import printable
from virttui.root_paths import same_directory


@dataclass
class LintReport:
    path: Path
    conf: ConfFile | None  # None when the file cannot be read
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)

    def lines(self) -> list[str]:
        return [f"{printable(str(self.path))}:{p.lineno}: {p.severity}: {p.message}" for p in self.problems]


def is_local_address(address: str) -> bool:
    """Whether this host has `address` on an interface: binding to it succeeds."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((address, 0))
        return True
    except OSError:
        return False


def mapping_problems(mapping: Mapping, root: Path | None) -> list[Problem]:
    found = []
    directory = mapping.directory
    shown = printable(directory)
    if not os.path.isdir(directory):
        what = "is not a directory" if os.path.exists(directory) else "does not exist"
        found.append(Problem(mapping.lineno, ERROR,
                             f"directory {shown} {what}: virtuald refuses such connections"))
    if root is not None:
        parent = os.path.dirname(os.path.normpath(directory))
        if not same_directory(parent, str(root)):
            found.append(Problem(mapping.lineno, WARNING,
                                 f"directory {shown} is not a domain of the root {printable(str(root))}"))
    if mapping.address != DEFAULT and not is_local_address(mapping.address):
        found.append(Problem(mapping.lineno, WARNING,
                             f"{mapping.address} is on no interface of this host: no client can reach it"))
    return found


def lint_file(path: Path, root: Path | None = None) -> LintReport:
    path = Path(path)
    try:
        conf = conffile.read(path)
    except OSError as error:
        why = f"cannot read: {error.strerror}"
        if path.is_symlink() and not path.exists():
            why = f"a broken symlink to {printable(os.readlink(path))}"
        return LintReport(path, None, [Problem(0, ERROR, why)])
    problems = list(conf.problems)
    for mapping in conf.mappings:
        problems.extend(mapping_problems(mapping, root))
    problems.sort(key=lambda p: p.lineno)
    return LintReport(path, conf, problems)


def conf_files(root: Path) -> list[Path]:
    """The root's conf.* entries, sorted, whatever they are (one that is not a file is an error
    of the check, not left out); none when the root cannot be listed."""
    try:
        return sorted(p for p in Path(root).iterdir() if p.name.startswith("conf."))
    except OSError:
        return []
