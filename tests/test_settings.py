"""Settings precedence (flag > environment > YAML > defaults) and their errors."""

from pathlib import Path

import pytest

from virttui.settings import DEFAULT_ROOT, load_settings
from virttui.yamlfile import ConfigError


def write(tmp_path, text):
    path = tmp_path / "virttui.yaml"
    path.write_text(text)
    return str(path)


def test_defaults_when_no_file(tmp_path):
    settings = load_settings(environ={}, default_config=tmp_path / "absent.yaml")
    assert settings.root == DEFAULT_ROOT
    assert settings.socket_path == DEFAULT_ROOT / "log"


def test_file_then_environment_then_flag(tmp_path):
    config = write(tmp_path, "root: /from/file\nlog:\n  file: /var/log/x.log\n")
    assert load_settings(config=config, environ={}).root == Path("/from/file")
    assert load_settings(config=config, environ={"VIRT_ROOT": "/from/env"}).root == Path("/from/env")
    flagged = load_settings(root="/from/flag", config=config, environ={"VIRT_ROOT": "/from/env"})
    assert flagged.root == Path("/from/flag")
    assert flagged.log_file == Path("/var/log/x.log")
    assert flagged.socket_path == Path("/from/flag/log")


def test_default_file_is_read_when_present(tmp_path):
    default = Path(write(tmp_path, "root: /from/default/file\n"))
    assert load_settings(environ={}, default_config=default).root == Path("/from/default/file")


def test_config_named_by_environment(tmp_path):
    config = write(tmp_path, "root: /env/config\n")
    assert load_settings(environ={"VIRTTUI_CONFIG": config}).root == Path("/env/config")


def test_log_socket_setting(tmp_path):
    config = write(tmp_path, "log:\n  socket: /run/virtual-log\n  mode: per-domain\n")
    settings = load_settings(config=config, environ={})
    assert settings.socket_path == Path("/run/virtual-log") and settings.log_mode == "per-domain"


LAUGHS = "".join(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10) if n else ', '.join(['x'] * 10)}]\n"
                 for n in range(9))  # nine lines, a billion values once expanded


@pytest.mark.parametrize("text, line, words", [
    ("root: /v\nrooot: /w\n", 2, "rooot: unknown key"),
    ("log:\n  file: /x\n  colour: red\n", 3, "log.colour: unknown key"),
    ("root: relative/path\n", 1, "root: must be an absolute path"),
    ("log: [1, 2]\n", 1, "log: must be a mapping"),
    ("root: /a\nroot: /b\n", 2, "root: key given twice"),
    ("root: [unclosed\n", 2, "not valid YAML"),
    ("log:\n  mode: sometimes\n", 2, "log.mode: must be one of shared, per-domain"),
    ("- just\n- a list\n", 1, "must be a mapping of keys"),
    ("commands: 3\n", 1, "commands: must be a mapping"),
    ("root: &a [*a]\n", 1, "root: an alias inside its own anchor"),
    ("log: &l\n  socket: /x\n  file: [*l]\n", 3, "log.file: an alias inside its own anchor"),
    (LAUGHS, 5, "a4: the aliases expand to more than 100000 values"),
    ("log: &l\n  socket: /x\n<<: *l\n", 3, "<<: merge keys are not read here: write the keys out"),
    ('root: "/x\\0y"\n', 1, "root: a NUL character (\\0) cannot be in a value"),
    ('root: /v\nlog:\n  file: "/var/log/a\\0b"\n', 3, "log.file: a NUL character"),
    ("root: /v\ncommands:\n  backup:\n    argv: [/bin/x, \"-\\0\"]\n", 4, "commands.backup.argv: a NUL"),
    ("root: !!int abc\n", 1, "root: 'abc' cannot be read as tag:yaml.org,2002:int"),
    ("log:\n  file: !custom /x\n", 2, "log.file: '/x' cannot be read as !custom"),
    ("root: /v\nlog:\n  file: \"/x\x01\"\n", 3, "character U+0001 is not allowed in YAML"),
])
def test_errors_name_file_line_and_key(tmp_path, text, line, words):
    config = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config=config, environ={})
    message = str(caught.value)
    assert message.startswith(f"{config}:{line}:"), message
    assert words in message
    assert "\n" not in message


def test_a_named_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(config=str(tmp_path / "absent.yaml"), environ={})


def test_empty_file_means_defaults(tmp_path):
    assert load_settings(config=write(tmp_path, ""), environ={}).root == DEFAULT_ROOT


def test_a_file_that_is_not_utf8_names_the_line_of_the_byte(tmp_path):
    config = tmp_path / "virttui.yaml"
    config.write_bytes(b"root: /v\nlog:\n  file: /var/log/caf\xe9.log\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config=str(config), environ={})
    assert str(caught.value) == f"{config}:3: byte 0xe9 is not utf-8 text: save the file as UTF-8"


def test_nesting_too_deep_for_the_parser_is_an_error_not_a_crash(tmp_path):
    config = write(tmp_path, "root: " + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_settings(config=config, environ={})


def test_aliases_that_stay_small_are_read(tmp_path):
    config = write(tmp_path, "root: &r /srv/virtual\ncommands:\n  a: &cmd {argv: [/bin/a], help: *r}\n"
                             "  b: *cmd\n")
    settings = load_settings(config=config, environ={})
    assert settings.root == Path("/srv/virtual")
    assert settings.commands["b"] == {"argv": ["/bin/a"], "help": "/srv/virtual"}


@pytest.mark.parametrize("flags, words", [
    ({"root": ""}, "--root: the value is empty"),
    ({"config": ""}, "--config: the value is empty"),
])
def test_an_empty_flag_is_an_error_not_the_default(tmp_path, flags, words):
    with pytest.raises(ConfigError, match=words):
        load_settings(**flags, environ={}, default_config=tmp_path / "absent.yaml")


def test_an_empty_variable_is_an_unset_one(tmp_path):
    default = Path(write(tmp_path, "root: /from/default/file\n"))
    settings = load_settings(environ={"VIRTTUI_CONFIG": "", "VIRT_ROOT": ""}, default_config=default)
    assert settings.root == Path("/from/default/file") and settings.config_path == default


def test_a_relative_root_from_flag_or_environment_is_from_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    absent = tmp_path / "absent.yaml"
    assert load_settings(root="demo-root/", environ={}, default_config=absent).root == tmp_path / "demo-root"
    from_environment = load_settings(environ={"VIRT_ROOT": "./v/../demo"}, default_config=absent)
    assert from_environment.root == tmp_path / "demo"
