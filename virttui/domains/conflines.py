"""The changes a domain's life makes to the root's conf files, for the one conf editor
(virttui.conf.editor): a domain's lines commented out with a marker and restored, sent to a
new name, or taken out.

A line belongs to a domain when its DIR is ROOT/NAME for the domain's name or one of its
aliases' names, compared by name (not by where a link leads: during a rename the new name is
for a moment a link to the old directory, and the two must stay apart).
"""

import re
from pathlib import Path
from typing import NamedTuple

from virttui.conf.editor import Change, EditResult
from virttui.domains.discovery import DISABLED_MARK, domain_of_directory

_LINE = re.compile(r"^(\s*\S+\s+)(\S+)(.*)$", re.DOTALL)


class MarkedLine(NamedTuple):
    disabled: bool   # the line is a disabled one
    body: str        # the line without its marker


def split_marked(line: str) -> MarkedLine:
    if line.startswith(DISABLED_MARK):
        return MarkedLine(True, line[len(DISABLED_MARK):])
    return MarkedLine(False, line)


def line_domain(line: str, root: Path) -> str | None:
    """The name of the domain a line (plain or disabled) sends its address to, or None."""
    body = split_marked(line).body.split("#", 1)[0]
    fields = body.split()
    if len(fields) < 2:
        return None
    return domain_of_directory(Path(root), fields[1])


def _shown(line: str) -> str:
    return line.rstrip("\r\n")


def comment_out(names: set[str], root: Path) -> Change:
    """Each plain line of the domain becomes a disabled line (the marker, then the line)."""
    def change(lines: list[str], result: EditResult) -> list[str]:
        out = []
        for line in lines:
            marked, _ = split_marked(line)
            if not marked and line_domain(line, root) in names:
                result.removed.append(_shown(line))
                line = DISABLED_MARK + line
                result.added.append(_shown(line))
            out.append(line)
        return out
    return change


def restore(names: set[str], root: Path) -> Change:
    """Each disabled line of the domain becomes the line it was."""
    def change(lines: list[str], result: EditResult) -> list[str]:
        out = []
        for line in lines:
            marked, body = split_marked(line)
            if marked and line_domain(line, root) in names:
                result.removed.append(_shown(line))
                result.added.append(_shown(body))
                line = body
            out.append(line)
        return out
    return change


def redirect(old: str, new: str, root: Path) -> Change:
    """Each line (plain or disabled) sending an address to ROOT/OLD sends it to ROOT/NEW."""
    target = str(Path(root) / new)

    def change(lines: list[str], result: EditResult) -> list[str]:
        out = []
        for line in lines:
            if line_domain(line, root) == old:
                marked, body = split_marked(line)
                match = _LINE.match(body)
                if match:
                    result.removed.append(_shown(line))
                    line = (DISABLED_MARK if marked else "") + match.group(1) + target + match.group(3)
                    result.added.append(_shown(line))
            out.append(line)
        return out
    return change


def drop(names: set[str], root: Path) -> Change:
    """Take out every line (plain or disabled) of the domain."""
    def change(lines: list[str], result: EditResult) -> list[str]:
        kept = []
        for line in lines:
            if line_domain(line, root) in names:
                result.removed.append(_shown(line))
                continue
            kept.append(line)
        return kept
    return change
