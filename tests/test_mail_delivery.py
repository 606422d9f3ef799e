"""virtmaildelivery and the Maildir writer: bytes kept exactly, names unique, failures temporary."""

import errno
import os
import re
import subprocess

import pytest

from tests.conftest import VENV_BIN
from tests.mail_fixtures import deliver_bytes, files_in
from virttui.mail import maildir
from virttui.mail.outcome import DeliveryFailure

DELIVERY = str(VENV_BIN / "virtmaildelivery")
# Every habit of the 1998 program would change one of these bytes: '>From ' quoting,
# added newlines, lost carriage returns or NULs, a cut last line.
AWKWARD_MESSAGE = (b"Subject: awkward\r\n\r\nFrom the start\n>From quoted already\n"
                   b"\x00binary\xff\xfe\r\nlast line without newline")


def run_delivery(home, message: bytes, env=None, args=None):
    arguments = args if args is not None else ["bob", str(home)]
    environment = {"PATH": os.environ["PATH"], **(env or {})}
    return subprocess.run([DELIVERY, *arguments], input=message, capture_output=True,
                          env=environment, timeout=30)


def test_the_message_lands_in_new_byte_for_byte_after_the_qmail_lines(tmp_path):
    result = run_delivery(tmp_path, AWKWARD_MESSAGE,
                          env={"RPLINE": "Return-Path: <alice@example.org>\n",
                               "DTLINE": "Delivered-To: bob@d1.example\n"})
    assert result.returncode == 0 and result.stdout == b""
    [delivered] = files_in(tmp_path / "Maildir" / "new")
    assert delivered.read_bytes() == (b"Return-Path: <alice@example.org>\n"
                                      b"Delivered-To: bob@d1.example\n" + AWKWARD_MESSAGE)
    assert files_in(tmp_path / "Maildir" / "tmp") == []
    assert delivered.stat().st_mode & 0o777 == 0o600


def test_without_qmail_lines_the_message_is_kept_as_it_came(tmp_path):
    assert run_delivery(tmp_path, AWKWARD_MESSAGE).returncode == 0
    [delivered] = files_in(tmp_path / "Maildir" / "new")
    assert delivered.read_bytes() == AWKWARD_MESSAGE


def test_a_missing_maildir_is_made_private_when_the_home_is_the_users(tmp_path):
    assert run_delivery(tmp_path, b"x").returncode == 0
    for sub in ("", "tmp", "new", "cur"):
        assert (tmp_path / "Maildir" / sub).stat().st_mode & 0o777 == 0o700


@pytest.mark.root
def test_a_missing_maildir_in_someone_elses_home_is_a_temporary_failure(tmp_path):
    os.chown(tmp_path, 4242, 4242)
    result = run_delivery(tmp_path, b"x")
    assert result.returncode == 111
    assert b"belongs to uid 4242" in result.stdout and result.stdout.count(b"\n") == 1
    assert not (tmp_path / "Maildir").exists()


@pytest.mark.parametrize("args", [[], ["bob"], ["bob", ""], ["bob", "h", "extra"]])
def test_bad_arguments_are_a_temporary_failure_with_the_usage(tmp_path, args):
    result = run_delivery(tmp_path, b"x", args=args)
    assert result.returncode == 111 and b"usage: virtmaildelivery USER HOMEDIR" in result.stdout
    assert result.stderr == b""


def test_a_missing_home_is_a_temporary_failure(tmp_path):
    result = run_delivery(tmp_path / "gone", b"x")
    assert result.returncode == 111 and b"No such file or directory" in result.stdout


def test_an_unreadable_message_leaves_nothing_behind(tmp_path):
    (tmp_path / "home").mkdir()
    write_only = os.open(tmp_path / "message", os.O_WRONLY | os.O_CREAT)  # read() on it: EBADF
    try:
        result = subprocess.run([DELIVERY, "bob", str(tmp_path / "home")], stdin=write_only,
                                capture_output=True, timeout=30)
    finally:
        os.close(write_only)
    assert result.returncode == 111 and b"Bad file descriptor" in result.stdout
    assert files_in(tmp_path / "home" / "Maildir" / "tmp") == []
    assert files_in(tmp_path / "home" / "Maildir" / "new") == []


@pytest.mark.root
def test_a_full_disk_is_a_temporary_failure_and_leaves_no_partial_file(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], check=True)
    try:
        result = run_delivery(disk, b"x" * 200_000)
        assert result.returncode == 111 and b"No space left on device" in result.stdout
        assert files_in(disk / "Maildir" / "tmp") == [] and files_in(disk / "Maildir" / "new") == []
        assert run_delivery(disk, b"a small one").returncode == 0  # nothing was left taking the room
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_names_are_unique_without_sleeping_and_follow_the_maildir_form(tmp_path):
    names = {maildir.unique_name() for _ in range(10_000)}
    assert len(names) == 10_000
    pattern = re.compile(r"\d+\.M\d{1,6}P\d+Q\d+R[0-9a-f]{16}\.[^/:]+\Z")
    assert all(pattern.match(name) for name in names)


def test_slash_and_colon_in_the_host_name_are_escaped():
    assert maildir.maildir_host("a/b:c") == "a\\057b\\072c"


def test_where_the_filesystem_has_no_hard_links_the_message_is_renamed_into_new(tmp_path, monkeypatch):
    def no_links(source, target, **_):
        raise OSError(errno.EPERM, "Operation not permitted")
    monkeypatch.setattr(os, "link", no_links)
    name = deliver_bytes(maildir.prepare_maildir(str(tmp_path)), b"renamed, not linked")
    assert (tmp_path / "Maildir" / "new" / name).read_bytes() == b"renamed, not linked"
    assert files_in(tmp_path / "Maildir" / "tmp") == []


def test_a_link_that_fails_for_another_reason_is_temporary_and_cleans_tmp(tmp_path, monkeypatch):
    def broken(source, target, **_):
        raise OSError(errno.EIO, "Input/output error")
    monkeypatch.setattr(os, "link", broken)
    with pytest.raises(DeliveryFailure) as failure:
        deliver_bytes(maildir.prepare_maildir(str(tmp_path)), b"")
    assert failure.value.status == 111 and "Input/output error" in failure.value.message
    assert files_in(tmp_path / "Maildir" / "tmp") == [] and files_in(tmp_path / "Maildir" / "new") == []
