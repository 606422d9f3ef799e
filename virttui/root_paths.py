"""Where the root is, and which directory a domain name stands for.

Standard library only: virtexec and the mail filter call these once per
command or message, before anything else is imported.
"""

import os

DEFAULT_ROOT = "/virtual"
DEFAULT_CONFIG = "/etc/virttui.yaml"


def root_directory(environ) -> str:
    """VIRT_ROOT, else the settings file's `root:`, else /virtual."""
    if environ.get("VIRT_ROOT"):
        return environ["VIRT_ROOT"]
    config = environ.get("VIRTTUI_CONFIG") or DEFAULT_CONFIG
    if not os.path.exists(config):
        return DEFAULT_ROOT
    from virttui.settings import load_settings  # yaml only when there is a settings file
    return str(load_settings(config=config, environ=environ).root)


def domain_directory(root: str, name: str) -> str | None:
    """The real directory of the domain `name` (already a valid, folded domain name):
    ROOT/NAME, or the target of the alias ROOT/NAME when that target is a domain of the
    same root. None when there is no such domain."""
    real = os.path.realpath(os.path.join(root, name))
    if not os.path.isdir(real) or os.path.dirname(real) != os.path.realpath(root):
        return None
    return real


def same_directory(one: str, other: str) -> bool:
    """Whether two spellings name one directory: the same once normalized, or once their
    symbolic links are resolved (a root named through a link, conf lines naming its target)."""
    return (os.path.normpath(one) == os.path.normpath(other)
            or os.path.realpath(one) == os.path.realpath(other))
