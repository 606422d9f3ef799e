"""The command catalog: the programs an admin runs inside a domain (as `virtNAME` links,
and from the app's Run action), each with its argv, a help line and whether it needs the
terminal.

The catalog's own commands are in virttui/catalog_defaults.py; the settings file's
`commands:` section adds commands or replaces them:

    commands:
      passwd:   {help: "change a user's password", interactive: true}
      backup:   {argv: [/usr/local/bin/backup, --quiet], help: "back the domain up"}
      smbstatus: null        # removes a default

`argv` defaults to the command's name (found on the domain's PATH).
"""

import re
from dataclasses import dataclass

from virttui.catalog_defaults import COMMANDS
from virttui.yamlfile import ConfigError, LocatedDict, refuse_unknown

COMMAND_NAME = re.compile(r"[a-z0-9][a-z0-9._+-]{0,63}\Z")
KEYS = {"argv", "help", "interactive"}


@dataclass(frozen=True)
class CatalogCommand:
    name: str
    argv: tuple[str, ...]
    help: str
    interactive: bool


DEFAULTS = tuple(CatalogCommand(*command) for command in COMMANDS)


def load_catalog(section: LocatedDict | None) -> dict[str, CatalogCommand]:
    """The defaults with the settings' `commands:` section applied; ConfigError names file:line: key."""
    catalog = {command.name: command for command in DEFAULTS}
    section = section if section is not None else LocatedDict()
    for name, entry in section.items():
        if not isinstance(name, str) or not COMMAND_NAME.match(name):
            raise section.error(name, "a command name is lower-case letters, digits and . _ + -")
        if entry is None:
            catalog.pop(name, None)
            continue
        catalog[name] = _command(section, name, entry, catalog.get(name))
    return dict(sorted(catalog.items()))


def _command(section, name, entry, default: CatalogCommand | None) -> CatalogCommand:
    if not isinstance(entry, LocatedDict):
        raise section.error(name, "give a mapping (argv, help, interactive) or null to remove it")
    refuse_unknown(entry, KEYS)
    argv = entry.get("argv", list(default.argv) if default else [name])
    if isinstance(argv, str):
        argv = [argv]
    if not argv or not all(isinstance(word, str) and word for word in argv):
        raise entry.error("argv", "a list of non-empty words, the program first")
    help_text = entry.get("help", default.help if default else "")
    if not isinstance(help_text, str):
        raise entry.error("help", "one line of text")
    interactive = entry.get("interactive", default.interactive if default else False)
    if not isinstance(interactive, bool):
        raise entry.error("interactive", "true or false")
    return CatalogCommand(name, tuple(argv), help_text, interactive)


__all__ = ["CatalogCommand", "ConfigError", "DEFAULTS", "load_catalog"]
