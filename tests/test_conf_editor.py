"""The one conf editor: lines added and removed with everything else kept, the result linted
before it replaces the file, concurrent edits never losing one, a kill leaving old or new."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from virttui.conf import conffile
from virttui.conf.editor import EditRefused, add_mappings, edit, remove_mappings

ORIGINAL = ("# conf.ftp: who serves FTP\n"
            "\n"
            "127.0.0.2 {root}/alpha.example   # alpha's own address\r\n"
            "garbage line that is kept\n"
            "default {root}/alpha.example")


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "root"
    for name in ("alpha.example", "beta.example"):
        (root / name).mkdir(parents=True)
    (root / "conf.ftp").write_text(ORIGINAL.format(root=root))
    return root


def test_adding_keeps_comments_odd_lines_and_line_endings(root):
    conf = root / "conf.ftp"
    result = edit(conf, add_mappings(["127.0.0.3"], f"{root}/beta.example"), root)
    text = conf.read_bytes().decode()
    assert text == ORIGINAL.format(root=root).replace("default", f"127.0.0.3 {root}/beta.example\ndefault")
    assert result.added == [f"127.0.0.3 {root}/beta.example"]
    assert conffile.read(str(conf)).lookup("127.0.0.3").directory == f"{root}/beta.example"


def test_removing_takes_out_only_that_domains_lines(root):
    conf = root / "conf.ftp"
    edit(conf, add_mappings(["127.0.0.3", "::1"], f"{root}/beta.example"), root)
    result = edit(conf, remove_mappings(f"{root}/beta.example", ["::1"]), root)
    assert result.removed == [f"::1 {root}/beta.example"]
    edit(conf, remove_mappings(f"{root}/beta.example"), root)
    assert conf.read_bytes().decode() == ORIGINAL.format(root=root)


def test_a_specific_address_goes_above_default_and_its_comments_and_default_at_the_end(root):
    conf = root / "conf.ftp"
    conf.write_text(f"127.0.0.2 {root}/alpha.example\n# the rest\ndefault {root}/alpha.example\n# end\n")
    edit(conf, add_mappings(["127.0.0.3"], f"{root}/beta.example"), root)
    assert conf.read_text().splitlines() == [
        f"127.0.0.2 {root}/alpha.example", f"127.0.0.3 {root}/beta.example", "# the rest",
        f"default {root}/alpha.example", "# end"]
    assert conffile.read(str(conf)).problems == []   # no "'default' stands above specific addresses"
    conf.write_text(f"127.0.0.2 {root}/alpha.example\n")
    edit(conf, add_mappings(["default"], f"{root}/beta.example"), root)
    assert conf.read_text().splitlines()[-1] == f"default {root}/beta.example"


def test_an_address_given_to_another_domain_is_refused_naming_it(root):
    conf = root / "conf.ftp"
    with pytest.raises(EditRefused) as refused:
        edit(conf, add_mappings(["127.0.0.2"], f"{root}/beta.example"), root)
    assert f"conf.ftp:3: 127.0.0.2 is already given to {root}/alpha.example" in str(refused.value)
    assert conf.read_bytes().decode() == ORIGINAL.format(root=root)


def test_the_same_line_again_changes_nothing(root):
    conf = root / "conf.ftp"
    before = os.stat(conf).st_ino
    result = edit(conf, add_mappings(["127.0.0.2"], f"{root}/alpha.example"), root)
    assert not result.changed and os.stat(conf).st_ino == before  # not even rewritten


def test_a_change_that_adds_an_error_is_refused_and_the_file_kept(root):
    conf = root / "conf.ftp"
    with pytest.raises(EditRefused) as refused:
        edit(conf, add_mappings(["127.0.0.4"], f"{root}/gone.example"), root)
    assert "would add an error" in str(refused.value) and "gone.example does not exist" in str(refused.value)
    assert conf.read_bytes().decode() == ORIGINAL.format(root=root)


def test_a_missing_conf_file_is_created_with_mode_644(root):
    conf = root / "conf.www"
    edit(conf, add_mappings(["127.0.0.2"], f"{root}/alpha.example"), root)
    assert conf.read_text() == f"127.0.0.2 {root}/alpha.example\n"
    assert conf.stat().st_mode & 0o777 == 0o644


def test_the_mode_and_owner_of_the_old_file_are_kept(root):
    conf = root / "conf.ftp"
    os.chmod(conf, 0o640)
    edit(conf, add_mappings(["127.0.0.3"], f"{root}/beta.example"), root)
    assert conf.stat().st_mode & 0o777 == 0o640


SLOW_EDITOR = """
import sys, os, time
from pathlib import Path
from virttui.conf import editor
root, started = Path(sys.argv[1]), Path(sys.argv[2])
real_write = os.write
def slow_write(fd, data):   # a byte at a time, slowly: the kill lands in the middle of the write
    started.touch()
    time.sleep(0.0002)
    return real_write(fd, bytes(data[:1]))
editor.os.write = slow_write
lines = [f"127.0.2.{i} {root}/beta.example" for i in range(200)]
def change(old, result):
    result.added.extend(lines)
    return old + ["\\n"] + [line + "\\n" for line in lines]
editor.edit(root / "conf.ftp", change, root)
"""


@pytest.mark.parametrize("delay", [0, 0.01, 0.05, 0.1, 0.2, 0.4, 0.6, 5])
def test_a_kill_mid_edit_leaves_the_old_file_or_the_new_one(root, tmp_path, delay):
    conf = root / "conf.ftp"
    old = conf.read_bytes()
    started = tmp_path / "started"
    process = subprocess.Popen([sys.executable, "-c", SLOW_EDITOR, str(root), str(started)])
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(delay)   # the write takes some hundreds of ms: the last delay lets it finish
    process.send_signal(signal.SIGKILL)
    process.wait()
    now = conf.read_bytes()
    complete = old + b"\n" + b"".join(f"127.0.2.{i} {root}/beta.example\n".encode() for i in range(200))
    assert now in (old, complete)
    # the next edit goes through, and removes what the killed one left beside the file
    edit(conf, add_mappings(["127.0.0.9"], f"{root}/beta.example"), root)
    assert [p.name for p in root.iterdir() if ".virttui-edit-" in p.name] == []
