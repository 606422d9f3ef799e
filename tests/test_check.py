"""`virttui check` on a real root (as root): one domain broken each way, built with virtfs and
then broken with real files (set-id bits, a device node, a stale socket, a hard link to a
host file, a mounted /proc, a FIFO for a shadow file ...): each finding reported once with its
severity, nothing on the clean domains; the exit statuses, the nagios line, the JSON, the
timer; the fixes (relink, virtfs --update) and the domain checked again."""

import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, require_program, require_root
from virttui.check.audit import audit, audit_domain
from virttui.check.fixes import apply_fix
from virttui.check.last import last_check_path
from virttui.check.report import ERROR, FIX_RELINK, FIX_UPDATE, ROOT, WARNING
from virttui.settings import load_settings

VIRTFS = str(VENV_BIN / "virtfs")
VIRTTUI = str(VENV_BIN / "virttui")
LIBRARY = "usr/lib/x86_64-linux-gnu/libpcre2-8.so.0.11.2"   # grep's and sed's, in every base domain
YEAR = 365 * 24 * 3600

# domain -> the one finding (severity, check) it must have; the clean ones none.
EXPECTED = {
    "clean.example": [],
    "touched.example": [],   # a program's copy with another time but the host's bytes
    "alias-target.example": [],
    "stale.example": [(ERROR, "logging")],
    "nolog.example": [(ERROR, "logging")],
    "served.example": [(ERROR, "served")],
    "nowhere.example": [(WARNING, "conf")],
    "outdated.example": [(WARNING, "outdated")],
    "setuid.example": [(ERROR, "escape")],
    "device.example": [(ERROR, "escape")],
    "devlink.example": [(ERROR, "escape")],
    "hardlink.example": [(ERROR, "escape")],
    "proc.example": [(ERROR, "escape")],
    "writable.example": [(ERROR, "escape")],
    "badpasswd.example": [(ERROR, "accounts")],
    "fifoshadow.example": [(ERROR, "accounts")],
    "uid0.example": [(ERROR, "accounts")],
    "noshell.example": [(WARNING, "accounts")],
    "nomaildir.example": [(WARNING, "mail")],
    "notowned.example": [(ERROR, "mail")],
}


def virtfs(root: Path, *args: str) -> None:
    done = subprocess.run([VIRTFS, "--root", str(root), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def new_log_socket(path: Path) -> None:
    """A datagram socket at `path`, as rsyslogd makes it (a new inode each time)."""
    if path.exists():
        path.unlink()
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as log:
        log.bind(str(path))


def add_user(domain: Path, name: str, uid: int, hashed: bool = False) -> None:
    with open(domain / "etc/passwd", "a") as f:
        f.write(f"{name}:x:{uid}:{uid}::/home/{name}:/bin/sh\n")
    with open(domain / "etc/shadow", "a") as f:
        f.write(f"{name}:{'$6$salt$hash' if hashed else '!'}:19000:0:99999:7:::\n")
    (domain / "home" / name).mkdir(parents=True)
    os.chown(domain / "home" / name, uid, uid)


def write_settings(path: Path, root: Path, port: int) -> Path:
    path.write_text(f"root: {root}\nservices:\n  www: {{ports: [{port}]}}\n")
    return path


def on_the_filesystem_of_etc(temporary: Path) -> Path:
    """A new directory where a hard link to a file of the host's /etc can be made (a temporary
    directory on a filesystem of its own cannot hold one)."""
    etc = os.stat("/etc").st_dev
    for parent in (temporary, Path("/var/tmp"), Path("/root")):
        if os.stat(parent).st_dev == etc:
            return Path(tempfile.mkdtemp(prefix="virttui-check-", dir=parent))
    pytest.fail("no directory on the filesystem of /etc to build the test root in", pytrace=False)


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """The root, its settings, and the listening socket that serves clean.example."""
    require_root()
    base = on_the_filesystem_of_etc(tmp_path_factory.mktemp("check"))
    root = base / "root"
    root.mkdir()
    new_log_socket(root / "log")
    virtfs(root, "stale.example")
    new_log_socket(root / "log")   # rsyslogd restarted: stale.example's dev/log is the old one
    for name in EXPECTED:
        if name != "stale.example":
            virtfs(root, name)
    os.symlink("alias-target.example", root / "www.alias-target.example")
    (root / "nolog.example/dev/log").unlink()
    copy = root / "outdated.example" / LIBRARY   # the copy the host's last update did not reach
    copy.write_bytes(copy.read_bytes()[:-1] + b"\x01")
    os.utime(copy, (time.time() - YEAR, time.time() - YEAR))
    touched = root / "touched.example" / LIBRARY
    os.utime(touched, (time.time() - YEAR, time.time() - YEAR))
    sneaky = root / "setuid.example/usr/bin/sneaky"
    shutil.copy2("/usr/bin/true", sneaky)
    os.chmod(sneaky, 0o4755)
    os.mknod(root / "device.example/dev/sda", 0o660 | stat.S_IFBLK, os.makedev(8, 0))
    shutil.rmtree(root / "devlink.example/dev")
    os.symlink("/dev", root / "devlink.example/dev")
    os.link("/etc/login.defs", root / "hardlink.example/etc/login.defs.host")
    (root / "proc.example/proc").mkdir()
    subprocess.run(["mount", "-t", "proc", "proc", str(root / "proc.example/proc")], check=True)
    os.chmod(root / "writable.example", 0o777)
    with open(root / "badpasswd.example/etc/passwd", "a") as f:
        f.write("this line is no account\n")
    (root / "fifoshadow.example/etc/shadow").unlink()
    os.mkfifo(root / "fifoshadow.example/etc/shadow")
    add_user(root / "uid0.example", "toor", 0)
    add_user(root / "noshell.example", "bob", 1000, hashed=True)
    add_user(root / "nomaildir.example", "bob", 1000)
    (root / "nomaildir.example/var/mail/bob").write_text("From x\n\nhello\n")
    add_user(root / "notowned.example", "carol", 1001)
    for sub in ("", "/new", "/cur", "/tmp"):
        (root / f"notowned.example/home/carol/Maildir{sub}").mkdir()   # root's, not carol's

    listening = socket.create_server(("127.0.0.61", 0))
    port = listening.getsockname()[1]
    (root / "conf.www").write_text(
        f"127.0.0.61 {root}/clean.example\n127.0.0.62 {root}/served.example\n"
        f"192.0.2.7 {root}/nowhere.example\n127.0.0.63 {root}/www.alias-target.example\n")
    listening_alias = socket.create_server(("127.0.0.63", port))
    settings = load_settings(config=str(write_settings(base / "virttui.yaml", root, port)), environ={})
    yield root, settings
    listening.close()
    listening_alias.close()
    subprocess.run(["umount", str(root / "proc.example/proc")], check=True)
    shutil.rmtree(base)


def test_each_broken_domain_has_its_one_finding_and_clean_ones_none(broken):
    root, settings = broken
    report = audit(settings)
    assert sorted(report.domains) == sorted(EXPECTED)
    found = {name: [] for name in EXPECTED}
    for finding in report.findings:
        assert finding.domain != ROOT, str(finding)
        found[finding.domain].append((finding.severity, finding.check))
    assert found == EXPECTED, "\n".join(map(str, report.sorted()))
    assert report.status == 2


def test_what_the_findings_say(broken):
    root, settings = broken
    said = {f.domain: f for f in audit(settings).findings}
    assert "stale socket" in said["stale.example"].what and said["stale.example"].fix == FIX_RELINK
    assert "missing" in said["nolog.example"].what and said["nolog.example"].fix == FIX_RELINK
    assert "127.0.0.62" in said["served.example"].what and said["served.example"].line == 2
    assert "192.0.2.7 is on no interface" in said["nowhere.example"].what
    outdated = said["outdated.example"]
    assert f"/{LIBRARY}" in outdated.what and "libpcre2-8-0" in outdated.what and outdated.fix == FIX_UPDATE
    assert "/usr/bin/sneaky (-rwsr-xr-x)" in said["setuid.example"].what
    assert "/dev/sda (block 8,0)" in said["device.example"].what
    assert "dev is a symbolic link (to /dev)" in said["devlink.example"].what
    assert "/etc/login.defs.host is the host's /etc/login.defs" in said["hardlink.example"].what
    assert "/proc (proc)" in said["proc.example"].what
    assert "mode 0777" in said["writable.example"].what
    assert "malformed line" in said["badpasswd.example"].what
    assert "etc/shadow cannot be read: a FIFO" in said["fifoshadow.example"].what
    assert "toor has uid 0" in said["uid0.example"].what
    assert "bob has a password but its shell /bin/sh is not in etc/shells" in said["noshell.example"].what
    assert "var/mail/bob and no Maildir" in said["nomaildir.example"].what
    assert "belongs to uid 0, not to carol (1001)" in said["notowned.example"].what


def test_command_line_output_statuses_json_and_nagios(broken):
    root, settings = broken
    config = str(settings.config_path)
    text = subprocess.run([VIRTTUI, "--config", config, "check"], capture_output=True, text=True, timeout=120)
    assert text.returncode == 2
    lines = text.stdout.splitlines()
    assert len(lines) == sum(map(len, EXPECTED.values()))
    assert "error setuid.example escape: set-id file no profile put there: /usr/bin/sneaky" in text.stdout
    assert all(line.split(" ", 1)[0] in (ERROR, WARNING) and "; " in line for line in lines)
    assert lines[0].startswith("error ") and lines[-1].startswith("warning ")   # errors first
    assert "13 errors, 4 warnings in 17 of 20 domains" in text.stderr

    nagios = subprocess.run([VIRTTUI, "--config", config, "check", "--format", "nagios"],
                            capture_output=True, text=True, timeout=120)
    assert nagios.returncode == 2 and nagios.stderr == ""
    assert nagios.stdout.startswith("VIRTTUI CRITICAL - 13 errors, 4 warnings in 17 of 20 domains; first: error ")
    assert nagios.stdout.rstrip().endswith("| errors=13;;1;0 warnings=4;1;;0 domains=20;;;0")
    assert len(nagios.stdout.splitlines()) == 1

    data = json.loads(subprocess.run([VIRTTUI, "--config", config, "check", "--json", "noshell.example"],
                                     capture_output=True, text=True, timeout=120).stdout)
    assert set(data) == {"root", "status", "unknown", "summary", "counts", "domains", "findings"}
    assert data["status"] == 1 and data["domains"] == ["noshell.example"]
    assert [set(f) for f in data["findings"]] == [
        {"severity", "domain", "check", "what", "mend", "conf", "line", "fix"}]
    saved = json.loads(last_check_path(root).read_text())   # the last full check, not this one
    assert len(saved["findings"]) == 17 and stat.S_IMODE(last_check_path(root).parent.stat().st_mode) == 0o700


@pytest.mark.root
def test_statuses_of_a_clean_root_warnings_only_and_no_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    new_log_socket(root / "log")
    virtfs(root, "clean.example")
    run = [VIRTTUI, "--root", str(root), "check"]
    clean = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert (clean.returncode, clean.stdout) == (0, "")
    assert "1 domain checked, all well" in clean.stderr
    nagios = subprocess.run([*run, "--format", "nagios"], capture_output=True, text=True, timeout=120)
    assert (nagios.returncode, nagios.stdout) == (
        0, "VIRTTUI OK - 1 domain checked, all well | errors=0;;1;0 warnings=0;1;;0 domains=1;;;0\n")
    (root / "clean.example/var/mail/nobody-here").write_text("x")   # not a person: nothing
    add_user(root / "clean.example", "bob", 1000, hashed=True)
    warned = subprocess.run([*run, "--format", "nagios"], capture_output=True, text=True, timeout=120)
    assert warned.returncode == 1 and warned.stdout.startswith("VIRTTUI WARNING - 0 errors, 1 warning in 1 of 1 domain")
    assert subprocess.run(run, capture_output=True, text=True, timeout=120).returncode == 1
    gone = [VIRTTUI, "--root", str(tmp_path / "none"), "check"]
    missing = subprocess.run(gone, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    unknown = subprocess.run([*gone, "--format", "nagios"], capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 3 and unknown.stdout.startswith("VIRTTUI UNKNOWN - the root ")
    no_such = subprocess.run([*run, "other.example"], capture_output=True, text=True, timeout=60)
    assert no_such.returncode == 2 and "no domain other.example in" in no_such.stderr
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    not_root = subprocess.run([*nobody, *run, "--format", "nagios"], capture_output=True, text=True, timeout=60)
    assert not_root.returncode == 3 and not_root.stdout.startswith("VIRTTUI UNKNOWN - the check needs root")


@pytest.mark.root
def test_a_root_writable_by_others_is_a_finding_of_the_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    new_log_socket(root / "log")
    os.chmod(root, 0o775)
    report = audit(load_settings(root=str(root), environ={}))
    assert [(f.severity, f.domain, f.check) for f in report.findings] == [(ERROR, ROOT, "escape")]
    assert f"{root} is writable by others than root (mode 0775)" in report.findings[0].what


@pytest.mark.root
def test_fixes_relink_and_update_then_the_domain_is_checked_again(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    new_log_socket(root / "log")
    virtfs(root, "fix.example")
    new_log_socket(root / "log")
    copy = root / "fix.example" / LIBRARY
    copy.write_bytes(b"an old build")
    settings = load_settings(root=str(root), environ={})
    findings = audit_domain("fix.example", settings)
    assert sorted(f.fix for f in findings) == [FIX_RELINK, FIX_UPDATE]
    for finding in findings:
        done, said = apply_fix(finding, settings)
        assert done, said
    assert audit_domain("fix.example", settings) == []
    assert copy.read_bytes() == Path("/", LIBRARY).read_bytes()


def test_timer_prints_a_service_and_a_daily_timer(tmp_path):
    config = tmp_path / "virttui.yaml"
    config.write_text(f"root: {tmp_path}/the root\n")
    done = subprocess.run([VIRTTUI, "--config", str(config), "check", "--timer"], capture_output=True, text=True)
    assert done.returncode == 0
    assert "# /etc/systemd/system/virttui-check.service" in done.stdout
    assert f'ExecStart={VIRTTUI} --root "{tmp_path}/the root" --config {config} check --format nagios' in done.stdout
    assert "OnCalendar=*-*-* 06:00:00" in done.stdout and "SuccessExitStatus=1" in done.stdout
    assert "WantedBy=timers.target" in done.stdout
    unit_dir = tmp_path / "units"   # the units as systemd itself reads them
    unit_dir.mkdir()
    service, timer = done.stdout.split("# /etc/systemd/system/virttui-check.timer\n")
    (unit_dir / "virttui-check.service").write_text(service)
    (unit_dir / "virttui-check.timer").write_text(timer)
    verify = require_program("systemd-analyze", "systemd")
    checked = subprocess.run([verify, "verify", str(unit_dir / "virttui-check.timer"),
                              str(unit_dir / "virttui-check.service")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.root
def test_progress_on_stderr_only_when_it_is_a_terminal(tmp_path):
    import pty
    root = tmp_path / "root"
    root.mkdir()
    new_log_socket(root / "log")
    virtfs(root, "one.example")
    controller, terminal = pty.openpty()
    done = subprocess.run([VIRTTUI, "--root", str(root), "check"], stdout=subprocess.PIPE, stderr=terminal,
                          timeout=120)
    os.close(terminal)
    shown = os.read(controller, 65536).decode()
    os.close(controller)
    assert done.returncode == 0 and done.stdout == b""
    assert "checking 1/1 one.example" in shown and "1 domain checked, all well" in shown
    piped = subprocess.run([VIRTTUI, "--root", str(root), "check"], capture_output=True, text=True, timeout=120)
    assert "checking" not in piped.stderr


@pytest.mark.root
def test_the_root_s_conf_lint_errors_and_a_missing_log_socket_are_its_findings(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "conf.ftp").write_text(f"# who gets FTP\n127.0.0.2 {root}/missing.example\njunk\n")
    os.mkfifo(root / "conf.www")
    done = subprocess.run([VIRTTUI, "--root", str(root), "check"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout.splitlines() == [
        f"error - conf: conf.ftp line 2: directory {root}/missing.example does not exist: virtuald refuses such "
        "connections; build the domain (virtfs) or remove the line",
        f"error - conf: conf.ftp line 3: 'junk' has no directory: write 'ADDRESS DIR'; edit {root}/conf.ftp "
        "(`virttui conf check` shows each line)",
        f"error - conf: conf.www: cannot read: not a regular file; edit {root}/conf.www "
        "(`virttui conf check` shows each line)",
        f"error - logging: the log socket {root}/log: No such file or directory; restart rsyslogd with "
        "`virttui syslog config`'s configuration, then `virttui syslog relink`",
        "warning - root: conf.www: not a regular file: virtuald cannot read it as a conf file; rename or remove "
        "the entry",
    ]


@pytest.mark.parametrize("options, says", [
    (["--timer", "one.example"], "--timer prints the units that check every domain: give it alone"),
    (["--timer", "--format", "nagios"], "--timer prints the units that check every domain: give it alone"),
    (["--json", "--format", "nagios"], "--json or --format nagios, not both"),
])
def test_options_that_cannot_go_together_are_one_line_and_status_2(tmp_path, options, says):
    done = subprocess.run([VIRTTUI, "--root", str(tmp_path), "check", *options], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"virttui check: {says}\n")
