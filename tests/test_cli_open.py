"""`virttui` with global options alone opens the app without importing every command."""

from virttui.cli import named_command


def test_global_options_alone_name_the_open_command():
    assert named_command([]) == "open"
    assert named_command(["--root", "/srv/virtual"]) == "open"
    assert named_command(["--root=/srv/virtual", "--config", "x.yaml"]) == "open"
    assert named_command(["--root", "log"]) == "open"            # an option's value is no command
    assert named_command(["--root", "/r", "--help"]) is None     # the full parser lists every command
    assert named_command(["--bogus"]) is None
