"""The service catalog: the shipped services, and the settings file's `services:` section."""

import pytest

from virttui.services.catalog import load_services
from virttui.settings import load_settings
from virttui.yamlfile import ConfigError


def services_from(tmp_path, text: str):
    path = tmp_path / "virttui.yaml"
    path.write_text(text)
    return load_services(load_settings(config=str(path), environ={}).services)


def test_shipped_catalog_has_ftp_www_and_smb():
    services = load_services()
    assert {"ftp", "www", "smb"} <= set(services)
    ftp = services["ftp"]
    assert ftp.ports == (21,) and ftp.profile == "ftp" and ftp.argv[0] == "/usr/sbin/vsftpd"
    assert services["smb"].new_session is True  # smbd signals its process group
    assert services["pop3"].log_stderr and services["imap"].log_stderr   # they log on stderr
    assert not ftp.log_stderr
    assert ftp.conf_path("/virtual").as_posix() == "/virtual/conf.ftp"


def test_settings_change_one_key_add_and_remove_services(tmp_path):
    services = services_from(tmp_path, "services:\n"
                                       "  ftp: {ports: [2121]}\n"
                                       "  www: null\n"
                                       "  gopher: {ports: 70, argv: [/usr/sbin/gophernicus], profile: gopher}\n")
    assert services["ftp"].ports == (2121,)
    assert services["ftp"].argv == load_services()["ftp"].argv  # the other keys kept
    assert "www" not in services
    assert services["gopher"].ports == (70,) and services["gopher"].new_session is False


@pytest.mark.parametrize("text, where, says", [
    ("services:\n  ftp: {port: 21}\n", ":2: port:", "unknown key"),
    ("services:\n  ftp: {ports: [0]}\n", ":2: ports:", "1-65535"),
    ("services:\n  ftp: {ports: [true]}\n", ":2: ports:", "1-65535"),
    ("services:\n  ftp: {argv: []}\n", ":2: argv:", "non-empty words"),
    ("services:\n  ftp: {argv: [\"a\\nb\"]}\n", ":2: argv:", "control characters"),
    ("services:\n  ftp: {new_session: yes please}\n", ":2: new_session:", "true or false"),
    ("services:\n  ftp: {log_stderr: 1}\n", ":2: log_stderr:", "true or false"),
    ("services:\n  ftp: {profile: ../etc}\n", ":2: profile:", "virtfs profile"),
    ("services:\n  Bad/Name: {ports: [1]}\n", ":2: Bad/Name:", "lower-case"),
    ("services:\n  new:\n    ports: [1]\n", ":2: new:", "needs argv, profile"),
    ("services: [ftp]\n", ":1: services:", "mapping"),
])
def test_a_bad_services_section_names_file_line_and_key(tmp_path, text, where, says):
    with pytest.raises(ConfigError) as caught:
        services_from(tmp_path, text)
    message = str(caught.value)
    assert where in message and says in message
    assert "\n" not in message
