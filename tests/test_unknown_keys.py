"""Every YAML section refuses an unknown key the same way: the first one in the file's order,
its line, and the keys known there (yamlfile.refuse_unknown)."""

import pytest

from virttui.catalog import load_catalog
from virttui.services.catalog import load_services
from virttui.settings import load_settings
from virttui.virtfs.profiles import compose
from virttui.yamlfile import ConfigError, loads

# (the settings file, what reads its section, the key and line refused, the keys known there)
CASES = [
    ("zeta: 1\nroot: /v\nalpha: 2\n", None, "zeta", 1, "commands, log, profiles, root, services"),
    ("log:\n  mode: shared\n  zeta: 1\n  colour: red\n", None, "log.zeta", 3, "file, mode, socket"),
    ("commands:\n  backup:\n    zeta: 1\n    colour: red\n", lambda s: load_catalog(s.commands),
     "zeta", 3, "argv, help, interactive"),
    ("services:\n  ftp:\n    zeta: 1\n    port: 21\n", lambda s: load_services(s.services),
     "zeta", 3, "argv, description, log_stderr, new_session, ports, profile"),
    ("profiles:\n  x:\n    zeta: 1\n    colour: red\n", lambda s: compose(["x"], s.profiles),
     "zeta", 3, "binaries, description, devices, directories"),
    ("profiles:\n  x:\n    directories:\n      - {path: tmp, zeta: 1, colour: red}\n",
     lambda s: compose(["x"], s.profiles), "zeta", 4, "mode, owner, path"),
]


@pytest.mark.parametrize("text,read,key,line,known", CASES, ids=[case[2] + str(case[3]) for case in CASES])
def test_an_unknown_key_is_named_with_its_line_and_the_known_keys(tmp_path, text, read, key, line, known):
    config = tmp_path / "virttui.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError) as refused:
        settings = load_settings(config=str(config), environ={})
        read(settings)
    message = str(refused.value)
    assert message.startswith(f"{config}:{line}: {key}: unknown key; known keys here: "), message
    assert known in message


def test_the_first_unknown_key_in_the_file_is_named_not_the_first_in_the_alphabet():
    from virttui.yamlfile import refuse_unknown
    with pytest.raises(ConfigError, match=":2: zeta: unknown key"):
        refuse_unknown(loads("good: 1\nzeta: 2\nalpha: 3\n", "f.yaml"), {"good"})
