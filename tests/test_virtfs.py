"""virtfs for real (as root): a `base` domain in which user management really works, no host
secret inside, builds that are all or nothing, --update and --check."""

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, require_root
from tests.interrupts import interrupted_while_starting
from virttui.virtfs.closure import closure, find_program, libraries_of
from virttui.virtfs.plan import EXCLUDED, is_excluded
from virttui.virtfs.profiles import compose
from virttui.yamlfile import ConfigError, loads

VIRTFS = str(VENV_BIN / "virtfs")


def virtfs(*args, root):
    return subprocess.run([VIRTFS, "--root", str(root), *args], capture_output=True, text=True, timeout=300)


def in_domain(domain: Path, *argv, stdin=None):
    return subprocess.run(["chroot", str(domain), *argv], input=stdin, capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "xterm"})


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One `base` domain, built once for the module's tests."""
    require_root()
    root = tmp_path_factory.mktemp("virtfs") / "root"
    root.mkdir()
    before = {path: digest(path) for path in ("/etc/shadow", "/etc/passwd")}
    result = virtfs("d1.example", root=root)
    assert result.returncode == 0, result.stderr
    return root / "d1.example", before


def test_user_management_really_works_inside(built):
    domain, host_before = built
    assert in_domain(domain, "useradd", "-m", "-c", "Bob", "-s", "/bin/sh", "bob").returncode == 0
    assert in_domain(domain, "chpasswd", stdin="bob:Corr3ct-horse\n").returncode == 0
    status = in_domain(domain, "passwd", "-S", "bob")
    assert status.returncode == 0 and status.stdout.split()[:2] == ["bob", "P"]
    assert in_domain(domain, "id", "bob").stdout.startswith("uid=1000(bob) gid=1000(bob)")
    assert in_domain(domain, "sh", "-c", "echo $((6 * 7)) > /tmp/answer; cat /tmp/answer").stdout == "42\n"
    (domain / "tmp" / "note.txt").write_text("x\n")
    edited = in_domain(domain, "vi", "-E", "-s", "-c", "normal Ayz", "-c", "wq", "/tmp/note.txt")
    assert edited.returncode == 0 and (domain / "tmp" / "note.txt").read_text() == "xyz\n"
    bob = [line for line in (domain / "etc" / "shadow").read_text().splitlines() if line.startswith("bob:")]
    assert len(bob) == 1 and bob[0].split(":")[1].startswith("$")  # a real hash, in the domain's shadow
    assert (domain / "home" / "bob").is_dir()
    assert {path: digest(path) for path in host_before} == host_before  # the host's files untouched


def test_no_host_secret_in_the_domain(built):
    domain, _ = built
    host_shadow = Path("/etc/shadow").read_bytes()
    for directory, _, names in os.walk(domain):
        for name in names:
            path = os.path.join(directory, name)
            host_equivalent = "/" + os.path.relpath(path, domain)
            made_inside = host_equivalent.startswith("/home/") or host_equivalent in (
                "/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-")  # the domain's own
            if not made_inside:
                assert not is_excluded(host_equivalent), host_equivalent
            if os.path.isfile(path) and not os.path.islink(path) and os.path.getsize(path) == len(host_shadow):
                assert Path(path).read_bytes() != host_shadow
    generated = (domain / "etc" / "shadow").read_text().splitlines()
    assert all(line.split(":")[1] in ("*", "!") for line in generated if not line.startswith("bob:"))
    assert not (domain / "etc" / "ssh").exists() and not any((domain / "root").iterdir())


def test_devices_modes_and_links(built):
    domain, _ = built
    assert os.stat(domain / "tmp").st_mode & 0o7777 == 0o1777
    assert os.major(os.stat(domain / "dev" / "null").st_rdev) == 1
    assert in_domain(domain, "sh", "-c", "echo hi > /dev/null && cat /dev/null && echo ok").stdout == "ok\n"
    assert os.readlink(domain / "var" / "tmp") == "../tmp"
    assert (domain / "etc" / "hostname").read_text() == "d1.example\n"


def test_check_and_update_refresh_binaries_and_keep_data(built):
    domain, _ = built
    assert virtfs("--check", "d1.example", root=domain.parent).returncode == 0
    cat = domain / "usr" / "bin" / "cat"
    cat.unlink()
    (domain / "home" / "mine.txt").write_text("data")
    check = virtfs("--check", "d1.example", root=domain.parent)
    assert check.returncode == 1 and "missing: /usr/bin/cat" in check.stdout
    passwd_before = (domain / "etc" / "passwd").read_text()
    update = virtfs("--update", "d1.example", root=domain.parent)
    assert update.returncode == 0 and "1 file refreshed" in update.stdout
    assert cat.exists() and virtfs("--check", "d1.example", root=domain.parent).returncode == 0
    assert (domain / "etc" / "passwd").read_text() == passwd_before
    assert (domain / "home" / "mine.txt").read_text() == "data"


@pytest.fixture
def fresh(tmp_path):
    """A `base` domain of its own (the test changes it), and a directory outside the root
    standing for the host's /etc."""
    require_root()
    root = tmp_path / "root"
    root.mkdir()
    assert virtfs("d4.example", root=root).returncode == 0
    host_etc = tmp_path / "host-etc"
    host_etc.mkdir()
    (host_etc / "passwd").write_text("root:x:0:0:the host's own:/root:/bin/sh\n")
    return root / "d4.example", host_etc


def test_update_never_writes_through_a_link_the_domain_made(fresh):
    """A jailed root replaces the domain's usr/bin with a link to the host's /etc: --update
    must not put the host's passwd program over the host's /etc/passwd."""
    domain, host_etc = fresh
    subprocess.run(["rm", "-r", str(domain / "usr" / "bin")], check=True)
    (domain / "usr" / "bin").symlink_to(host_etc)   # absolute: from outside, it leads out
    check = virtfs("--check", "d4.example", root=domain.parent)
    assert check.returncode == 1 and "missing: /usr/bin/passwd" in check.stdout   # seen from inside
    update = virtfs("--update", "d4.example", root=domain.parent)
    assert (host_etc / "passwd").read_text() == "root:x:0:0:the host's own:/root:/bin/sh\n"
    assert sorted(path.name for path in host_etc.iterdir()) == ["passwd"]
    assert update.returncode == 3 and "nothing outside it was touched" in update.stderr
    assert len(update.stderr.splitlines()) == 1 and "Traceback" not in update.stderr


def test_update_writes_its_manifest_over_a_link_not_through_it(fresh):
    domain, host_etc = fresh
    manifest = domain / "etc" / "virtfs.json"
    (domain / "etc" / "outside.json").write_text(manifest.read_text())
    (host_etc.parent / "before.json").write_text(manifest.read_text())
    manifest.unlink()
    manifest.symlink_to("/etc/outside.json")       # from inside, the domain's own file
    (domain / "usr" / "bin" / "cat").unlink()
    result = virtfs("--update", "d4.example", root=domain.parent)
    assert result.returncode == 0 and "1 file refreshed" in result.stdout, result.stderr
    assert not manifest.is_symlink() and '"profiles"' in manifest.read_text()
    assert (domain / "etc" / "outside.json").read_text() == (host_etc.parent / "before.json").read_text()
    assert (domain / "usr" / "bin" / "cat").exists()


@pytest.mark.parametrize("name, words", [("../evil", "starts with a dot"), ("UPPER..x", "empty label"), ("log", "reserved")])
def test_bad_names_are_refused(tmp_path, name, words):
    result = virtfs(name, root=tmp_path)
    assert result.returncode == 2 and words in result.stderr and not any(tmp_path.iterdir())


def test_an_unknown_profile_is_named_once(tmp_path):
    result = virtfs("--plan", "--profile", "nosuch", "d.example", root=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("virtfs: --profile: no profile 'nosuch'; the profiles are base")


def test_a_profile_naming_a_file_that_is_no_program_says_so(tmp_path):
    settings = tmp_path / "virttui.yaml"
    settings.write_text("profiles:\n  odd:\n    binaries: [/etc/login.defs]\n")
    result = virtfs("--config", str(settings), "--plan", "--profile", "odd", "d.example", root=tmp_path)
    assert result.returncode == 3 and "/etc/login.defs is not a program" in result.stderr


@pytest.mark.root
def test_a_root_that_is_a_file_is_named_for_what_it_is(tmp_path):
    (tmp_path / "root").write_text("")
    result = virtfs("d.example", root=tmp_path / "root")
    assert result.returncode == 3 and "is not a directory" in result.stderr and "does not exist" not in result.stderr


@pytest.mark.root
@pytest.mark.parametrize("action", [["--check", "d.example"], ["--update", "d.example"], ["e.example"]])
def test_a_root_it_may_not_read_is_one_line_not_a_traceback(tmp_path, action):
    root = tmp_path / "root"
    (root / "d.example").mkdir(parents=True)
    root.chmod(0)
    without_override = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search",
                        "--inh-caps", "-dac_override,-dac_read_search"]
    result = subprocess.run([*without_override, VIRTFS, "--root", str(root), *action], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 3 and "Permission denied" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_an_existing_domain_is_never_built_over(built):
    domain, _ = built
    result = virtfs("d1.example", root=domain.parent)
    assert result.returncode == 3 and "already exists" in result.stderr


@pytest.mark.root
def test_killed_builds_leave_no_half_domain_and_the_next_run_succeeds(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    for delay in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3):
        process = subprocess.Popen([VIRTFS, "--root", str(root), "d2.example"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        domain = root / "d2.example"
        if domain.exists():  # the rename happened: then the domain is whole
            assert (domain / "etc" / "virtfs.json").exists()
            break
        assert [p.name for p in root.iterdir() if not p.name.startswith(".virtfs-d2.example-")] == []
    else:
        result = virtfs("d2.example", root=root)
        assert result.returncode == 0, result.stderr
    assert [p.name for p in root.iterdir()] == ["d2.example"]  # leftovers gone
    assert in_domain(root / "d2.example", "id", "-u").stdout == "0\n"


def test_ctrl_c_while_it_starts_is_an_interrupt_not_a_traceback(tmp_path):
    for delay, status, err in interrupted_while_starting([VIRTFS, "--root", str(tmp_path), "--plan", "d.example"]):
        assert "Traceback" not in err and status in (0, 130, -signal.SIGINT), (delay, status, err)


@pytest.mark.root
def test_interrupt_removes_the_build(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    process = subprocess.Popen([VIRTFS, "--root", str(root), "d3.example"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not list(root.glob(".virtfs-*")) and time.monotonic() < deadline:
        time.sleep(0.005)  # until the build has begun
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "nothing was left behind" in err
    assert list(root.iterdir()) == []


# -- units -------------------------------------------------------------------

def test_closure_has_the_loader_and_libc_and_follows_links():
    files = closure([find_program("sh")])
    assert any(path.endswith("/libc.so.6") for path in files)
    assert any("ld-linux" in path for path in files)
    assert os.path.realpath(find_program("sh")) in files
    assert libraries_of(os.path.realpath(find_program("sh")))


def test_profiles_compose_with_includes():
    composition = compose(["mail"])
    assert composition.names == ["base", "mail"]
    assert "chpasswd" in composition.binaries and "var/spool/mail" in composition.directories


@pytest.mark.parametrize("text, line, words", [
    (b"profiles:\n  x:\n    binaries: sh\n", 3, "a list of names"),
    (b"profiles:\n  x:\n    colour: red\n", 3, "unknown key"),
    (b"profiles:\n  x:\n    include: [nothing]\n", 3, "no profile 'nothing'"),
    (b"profiles:\n  x:\n    directories:\n      - {path: tmp, mode: rwx}\n", 4, "octal mode"),
    (b"profiles:\n  x:\n    directories:\n      - {path: srv, mode: 0750}\n", 4, 'write the mode quoted, like "0750"'),
    (b"profiles:\n  x:\n    files: [/etc/passwd]\n", 3, "relative"),
    (b"profiles:\n  x:\n    include: [y]\n  y:\n    include: [x]\n", 5, "include each other"),
    (b"profiles:\n  x:\n    generate: [secrets]\n", 3, "cannot generate"),
])
def test_profile_errors_name_file_line_and_key(text, line, words):
    section = loads(text, "virttui.yaml")["profiles"]
    with pytest.raises(ConfigError) as caught:
        compose(["x"], section)
    assert str(caught.value).startswith(f"virttui.yaml:{line}:") and words in str(caught.value)


def test_the_exclusions_cover_the_host_secrets():
    for secret in ("/etc/shadow", "/etc/gshadow", "/etc/ssh/ssh_host_ed25519_key", "/root/.bash_history",
                   "/etc/ssl/private/server.key"):
        assert is_excluded(secret), secret
    assert not is_excluded("/etc/login.defs") and EXCLUDED
