"""virtmailfilter: which domain, which user, as whom, and qmail's exit statuses."""

import os
import string
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import VENV_BIN, require_program
from tests.mail_fixtures import files_in, home_of, maildir_of, make_mail_domain
from virttui.mail import filter as mail_filter
from virttui.mail.outcome import DeliveryFailure

FILTER = str(VENV_BIN / "virtmailfilter")
BOB_IN_D1, BOB_IN_D2, CAROL_IN_D1 = 1001, 1002, 1003


def build_root(base: Path) -> Path:
    root = base / "root"
    make_mail_domain(root, "d1.example", {"bob": BOB_IN_D1, "carol": CAROL_IN_D1})
    make_mail_domain(root, "d2.example", {"bob": BOB_IN_D2})
    (root / "d3.example" / "etc").mkdir(parents=True)  # no etc/passwd: the admin must fix it
    (root / "alias.example").symlink_to("d1.example")
    (base / "outside").mkdir()
    (root / "escape.example").symlink_to(base / "outside")  # an alias leading out of the root
    return root


@pytest.fixture
def root(tmp_path):
    return build_root(tmp_path)


def run_filter(root, *args, env=None, message=b"Subject: test\n\nhello\n"):
    environment = {"PATH": os.environ["PATH"], **(env or {})}
    return subprocess.run([FILTER, "--root", str(root), *args], input=message,
                          capture_output=True, env=environment, timeout=30)


def only_message(maildir: Path) -> Path:
    [message] = files_in(maildir / "new")
    return message


@pytest.mark.root
def test_the_same_user_name_in_two_domains_gets_two_mailboxes_as_two_owners(root):
    assert run_filter(root, env={"EXT": "bob", "HOST": "d1.example"},
                      message=b"for d1\n").returncode == 0
    assert run_filter(root, "bob", "d2.example", message=b"for d2\n").returncode == 0
    in_d1 = only_message(maildir_of(root, "d1.example", "bob"))
    in_d2 = only_message(maildir_of(root, "d2.example", "bob"))
    assert (in_d1.read_bytes(), in_d2.read_bytes()) == (b"for d1\n", b"for d2\n")
    assert (in_d1.stat().st_uid, in_d2.stat().st_uid) == (BOB_IN_D1, BOB_IN_D2)
    assert maildir_of(root, "d1.example", "bob").stat().st_uid == BOB_IN_D1


@pytest.mark.root
@pytest.mark.parametrize("host", ["D1.Example", "mail.d1.example", "a.b.c.d1.example",
                                  "alias.example", "www.alias.example", "d1.example."])
def test_upper_case_subdomains_aliases_and_absolute_names_find_the_domain(root, host):
    result = run_filter(root, env={"EXT": "Bob", "HOST": host, "RPLINE": "Return-Path: <a@b>\n",
                                   "DTLINE": f"Delivered-To: bob@{host}\n"})
    assert result.returncode == 0, result.stdout
    message = only_message(maildir_of(root, "d1.example", "bob")).read_bytes()
    assert message.startswith(b"Return-Path: <a@b>\nDelivered-To: bob@")


@pytest.mark.root
@pytest.mark.parametrize("user,host,reason", [
    ("dave", "d1.example", b"no user dave in d1.example"),
    ("bob", "nowhere.test", b"no domain for nowhere.test"),
    ("root", "d1.example", b"root is a system account"),
    ("daemon", "d1.example", b"daemon is a system account"),
    ("nobody", "d1.example", b"nobody is a system account"),
    ("bob", "escape.example", b"no domain for escape.example"),
    ("bob", "../root/d1.example", b"has '..' or '/'"),
    ("bob", "d1.example/../d2.example", b"has '..' or '/'"),
    ("bob", "log", b"is not a domain name"),
    ("../bob", "d1.example", b"is not a user name here"),
])
def test_permanent_failures_exit_100_with_one_line_of_reason(root, user, host, reason):
    result = run_filter(root, env={"EXT": user, "HOST": host})
    assert result.returncode == 100, result.stdout
    assert reason in result.stdout and result.stdout.count(b"\n") == 1 and result.stderr == b""
    assert run_filter(root, "--sysexits", user, host).returncode == 67  # EX_NOUSER for Postfix


@pytest.mark.root
@pytest.mark.parametrize("args,env,reason", [
    ((), {"HOST": "d1.example"}, b"EXT is not set"),
    ((), {"EXT": "bob"}, b"HOST is not set"),
    (("bob",), {}, b"give both USER and DOMAIN"),
    (("--verbose", "bob", "d1.example"), {}, b"unknown option --verbose"),
    (("bob", "d3.example"), {}, b"d3.example: etc/passwd: No such file or directory"),
])
def test_temporary_failures_exit_111_so_the_mail_stays_queued(root, args, env, reason):
    result = run_filter(root, *args, env=env)
    assert result.returncode == 111 and reason in result.stdout, result.stdout
    assert run_filter(root, "--sysexits", *args, env=env).returncode == 75  # EX_TEMPFAIL


@pytest.mark.root
def test_a_uid_0_account_under_a_person_name_gets_nothing(root):
    passwd = root / "d1.example" / "etc" / "passwd"
    passwd.write_text(passwd.read_text() + "toor:x:0:0::/root:/bin/sh\n")
    result = run_filter(root, "toor", "d1.example")
    assert result.returncode == 100 and b"uid 0" in result.stdout
    assert not (root / "d1.example" / "root" / "Maildir").exists()


@pytest.mark.root
def test_privileges_are_dropped_before_the_maildir_is_touched(root):
    maildir = maildir_of(root, "d1.example", "bob")
    for sub in ("", "tmp", "new", "cur"):
        (maildir / sub).mkdir(mode=0o700)  # made by root: bob cannot write here
    result = run_filter(root, "bob", "d1.example")
    assert result.returncode == 111 and b"Permission denied" in result.stdout
    assert files_in(maildir / "new") == [] and files_in(maildir / "tmp") == []


@pytest.mark.root
def test_a_home_that_points_out_of_the_domain_stays_inside_it(root, tmp_path):
    """The filter chroots into the domain first: an absolute symlink or a '..' path in the
    domain's files resolves inside the domain, never on the host."""
    outside = tmp_path / "outside"
    os.chown(outside, BOB_IN_D1, BOB_IN_D1)
    home = root / "d1.example" / home_of("bob").lstrip("/")
    home.rmdir()
    home.symlink_to(outside)  # absolute: on the host it is the outside directory
    passwd = root / "d1.example" / "etc" / "passwd"
    passwd.write_text(passwd.read_text().replace(":/home/c/carol:", ":/../../../../../outside:"))
    run_filter(root, "bob", "d1.example")
    run_filter(root, "carol", "d1.example")
    assert list(outside.iterdir()) == []


def test_without_root_the_filter_refuses_to_run_as_anyone(root):
    result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                             FILTER, "--root", str(root), "bob", "d1.example"],
                            input=b"x", capture_output=True, timeout=30)
    assert result.returncode == 111 and b"must start as root" in result.stdout


TRAVERSALS = ["..", "../..", "/", "/etc", "d1.example/..", "d1.example/../../", "./d1.example",
              ".d1.example", "d1..example", "d1.example..", "%2e%2e", "d1.example%2f..",
              "d1\u2024example", "d1\uff0eexample", "d1.example\n", "d1.example\r\nX: y", "d1.example\0",
              "$(id)", "`id`", "d1.example;id", "[127.0.0.1]", "d1.example:25", "*", "conf.www",
              "lost+found", "log", "escape.example", "-d1.example", "d1.example-", "a" * 64 + ".example",
              "\\..\\..", "d1.example\t", " d1.example"]
USERS = ["bob", "BOB", "../bob", "bob/../../root", "root", "nobody", "daemon", "", ".", "..",
         "bob@d2.example", "bob\0", "bob\n", "-bob", "bob/", "/bob", "~bob", "$USER", "a" * 40]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(user=st.one_of(st.sampled_from(USERS), st.text(max_size=40)),
       host=st.one_of(st.sampled_from(TRAVERSALS), st.text(max_size=80),
                      st.text(alphabet=string.ascii_letters + "./-\\%", max_size=40)
                      .map(lambda s: s + ".d1.example")))
def test_no_user_or_host_value_finds_a_directory_outside_the_root(tmp_path_factory, user, host):
    base = tmp_path_factory.mktemp("hyp")
    root = build_root(base)
    try:
        name = mail_filter.user_name(user)
        directory = mail_filter.find_domain(str(root), mail_filter.host_name(host))
    except DeliveryFailure as failure:
        assert failure.status in (100, 111)
        return
    assert Path(directory).parent == root.resolve()
    assert Path(directory).name in ("d1.example", "d2.example", "d3.example")
    assert "/" not in name and name not in (".", "..")


@pytest.mark.root
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(user=st.sampled_from(USERS), host=st.sampled_from(TRAVERSALS))
def test_the_whole_program_writes_nowhere_but_a_users_maildir(tmp_path_factory, user, host):
    if "\0" in user + host:
        return  # the environment cannot carry a NUL: no MTA can hand one over
    base = tmp_path_factory.mktemp("whole")
    root = build_root(base)
    before = {path for path in base.rglob("*")}
    result = run_filter(root, env={"EXT": user, "HOST": host})
    assert result.returncode in (0, 100, 111) and result.stderr == b""
    created = {path for path in base.rglob("*")} - before
    homes = [maildir_of(root, domain, name) for domain, name in
             (("d1.example", "bob"), ("d1.example", "carol"), ("d2.example", "bob"))]
    assert all(any(path == home or home in path.parents for home in homes) for path in created)
    assert (result.returncode == 0) == bool(created)


@pytest.mark.root
def test_a_missing_root_is_a_temporary_failure_not_a_bounce(tmp_path):
    result = run_filter(tmp_path / "not-mounted-yet", "bob", "d1.example")
    assert result.returncode == 111 and b"is missing or not a directory" in result.stdout


@pytest.mark.root
def test_a_root_that_is_a_file_is_a_temporary_failure(tmp_path):
    (tmp_path / "root").write_text("")
    result = run_filter(tmp_path / "root", "bob", "d1.example")
    assert result.returncode == 111 and b"is missing or not a directory" in result.stdout


@pytest.mark.root
def test_a_root_the_filter_cannot_search_is_a_temporary_failure_not_a_bounce(root):
    setpriv = require_program("setpriv", "util-linux")
    root.chmod(0)
    try:
        # root without the capabilities that bypass file modes: the root cannot be searched,
        # so the filter cannot tell whether d1.example is there
        result = subprocess.run(
            [setpriv, "--bounding-set", "-dac_override,-dac_read_search", FILTER, "--root", str(root),
             "bob", "d1.example"], input=b"x", capture_output=True, timeout=30)
    finally:
        root.chmod(0o755)
    assert result.returncode == 111, result.stdout
    assert b"cannot look for d1.example in the root" in result.stdout
    assert b"Permission denied" in result.stdout
