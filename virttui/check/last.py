"""The last full check's report, kept in the root's hidden state directory
(ROOT/.virttui/last-check.json, root's alone): the app opens on the Health screen when it
found errors. Written beside and renamed into place, so a reader never sees half of it."""

import json
import os
from pathlib import Path

from virttui.check.report import Report

STATE_DIRECTORY = ".virttui"   # a dot name: never taken for a domain
LAST_CHECK = "last-check.json"


def last_check_path(root) -> Path:
    return Path(root) / STATE_DIRECTORY / LAST_CHECK


def save(report: Report) -> bool:
    """Keep the report; False when the root's state directory cannot be written (not root)."""
    path = last_check_path(report.root)
    temporary = path.with_name(f".{LAST_CHECK}.{os.getpid()}")
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(report.as_json(), out, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return False
    return True


def load(root) -> Report | None:
    """The last report kept for this root, or None (never checked, unreadable, or not ours)."""
    try:
        with open(last_check_path(root), encoding="utf-8") as f:
            return Report.from_json(json.load(f))
    except (OSError, ValueError, KeyError, TypeError):
        return None
