"""Entering a domain's root from Python running as root: chroot, then no more imports from
the filesystem.

After the chroot every path is the domain's, and its users (its root among them) decide
what is there: a module imported then, through a sys.path entry or an installer's finder,
would be their file run with the host's root privileges (and root can leave a chroot). Only
the modules built into the interpreter stay importable; the code that runs inside imports
what it needs before. Standard library only: the mail filter enters a domain per message.
"""

import os
import sys

KEPT_FINDERS = ("BuiltinImporter", "FrozenImporter")   # they read nothing from the filesystem


def enter(directory) -> None:
    """chroot into `directory`, change to its /, and seal the imports (OSError as os raises it)."""
    os.chroot(directory)
    os.chdir("/")
    seal_imports()


def seal_imports() -> None:
    sys.meta_path[:] = [finder for finder in sys.meta_path if getattr(finder, "__name__", None) in KEPT_FINDERS]
    sys.path[:] = []
    sys.path_importer_cache.clear()
