"""Where things are: the one home of the default root, settings file and PATH, of the rule
that finds the settings file and the root (flag, environment, settings file, default), and of
which directory a domain name stands for.

Standard library only: virtuald, virtexec and the mail filter call these once per
connection, command or message, before anything else is imported (yaml only when a settings
file must be read for the root).
"""

import os

DEFAULT_ROOT = "/virtual"
DEFAULT_CONFIG = "/etc/virttui.yaml"
# The PATH a program is searched in when none is given: inside a domain (virtuald, virtexec)
# and on the host (the programs virtfs copies into a domain).
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def settings_file(environ, config: str | None = None, default: str | None = None) -> str | None:
    """The settings file to read: `config` (--config), else VIRTTUI_CONFIG, else `default`
    (/etc/virttui.yaml) when it exists; None means the built-in defaults. A named file is
    returned even when missing: reading it says so. An empty variable is an unset one
    (`VIRTTUI_CONFIG= virttui ...` is the shell's way to unset it)."""
    named = config or environ.get("VIRTTUI_CONFIG")
    if named:
        return named
    default = default or DEFAULT_CONFIG
    return default if os.path.exists(default) else None


def given_root(environ, root: str | None = None) -> str | None:
    """The root the command line (`root`) or VIRT_ROOT gives, absolute from the current
    directory as a shell user means it (conf files name absolute paths); None if neither does."""
    root = root or environ.get("VIRT_ROOT")
    return os.path.abspath(root) if root else None


def root_directory(environ, root: str | None = None) -> str:
    """--root, else VIRT_ROOT, else the settings file's `root:`, else /virtual. A settings file
    that is named but missing, or broken, raises the settings' ConfigError."""
    given = given_root(environ, root)
    if given:
        return given
    config = settings_file(environ)
    if config is None:
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
