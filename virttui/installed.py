"""Finding the installed copy of one of this package's own programs (virtexec, virtuald,
virtfs, virttui, virtmailfilter), the one rule for all of them: the one installed beside the
interpreter running this code first (the same installation, so never another version's),
else the one on PATH. Host programs copied into a domain are found by virtfs's closure on its
own fixed PATH: that is another question (what the host has, not where we are installed).
"""

import os
import shutil
import sys

# Where `pip install` as root puts the scripts: what a printed entry names when nothing is found.
USUAL_DIRECTORY = "/usr/local/bin"


def find_installed(name: str) -> str | None:
    """The path of our program `name`, or None when it is not installed."""
    return shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)


def installed_path(name: str) -> str:
    """The path of our program `name`, or where it usually is when not installed (for a line
    printed for a super-server, or an argv whose failure then names the missing path)."""
    return find_installed(name) or os.path.join(USUAL_DIRECTORY, name)
