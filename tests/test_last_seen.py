"""The last line a server logged for a domain, from the end of the shared log only."""

from virttui.syslog.last_seen import last_lines, log_program


def handed(pid: int, root: str, domain: str, program: str, message: str, second: int = 1) -> str:
    """virtuald's lines for one connection in the shared mode, then its server's line."""
    stamp = f"Nov 24 09:00:{second:02d}"
    return (f"{stamp} host virtuald[{pid}]: Chroot dir: {root}/{domain}\n"
            f"{stamp} host {program}[{pid}]: {message}\n")


def test_the_last_line_of_each_server_of_the_domain(tmp_path):
    log = tmp_path / "log"
    log.write_text(handed(10, "/virtual", "a.example", "vsftpd", "first login")
                   + handed(11, "/virtual", "b.example", "vsftpd", "other domain's")
                   + handed(12, "/virtual", "a.example", "vsftpd", "second login", 2)
                   + "Nov 24 09:00:03 a.example httpd[13]: GET / 200\n"   # per-domain mode: the host says it
                   + "Nov 24 09:00:04 host vsftpd[99]: a pid no virtuald handed: nobody's\n")
    found = last_lines(log, "a.example", {"vsftpd", "httpd", "smbd"})
    assert {program: line.message for program, line in found.items()} == {
        "vsftpd": "second login", "httpd": "GET / 200"}
    assert last_lines(log, "c.example", {"vsftpd"}) == {}


def test_only_the_end_of_the_log_is_searched(tmp_path):
    log = tmp_path / "log"
    old = handed(10, "/virtual", "a.example", "vsftpd", "long ago")
    filler = "Nov 24 09:00:05 host kernel: something else entirely\n" * 2000
    log.write_text(old + filler + "Nov 24 09:00:06 a.example httpd[13]: GET / 200\n")
    assert set(last_lines(log, "a.example", {"vsftpd", "httpd"}, window=len(filler) // 2)) == {"httpd"}
    assert set(last_lines(log, "a.example", {"vsftpd", "httpd"})) == {"vsftpd", "httpd"}


def test_the_name_a_server_logs_under():
    assert log_program(("/usr/sbin/vsftpd", "/etc/vsftpd.conf")) == "vsftpd"
    assert log_program(("/bin/busybox", "httpd", "-i")) == "httpd"
