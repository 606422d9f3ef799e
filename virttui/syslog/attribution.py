"""Which domain a line of the shared log belongs to.

- In the per-domain mode every line's host field is its domain's name.
- In the shared mode, virtuald's "Chroot dir: DIR" line names the domain, and the server it
  execs keeps its pid: the lines of that host and pid belong to that domain, until another
  virtuald or virtexec line gives the pid to another domain (pids are reused). virtexec's
  "domain=D command=..." line does the same for the commands it runs.
"""

from collections import Counter

from virttui.syslog.logline import LogLine

CHROOT_MARK = "Chroot dir: "
VIRTEXEC_MARK = "domain="


class Attributor:
    def __init__(self, domains: set[str]):
        self.domains = domains
        self.pids: dict[tuple[str, int], str] = {}   # (host, pid) -> domain
        self.hosts: dict[str, set[str]] = {}          # domain -> hosts that handed it pids
        self.handed: dict[str, Counter[int]] = {}     # domain -> its pids, with how many hosts gave each

    def domain_of(self, line: LogLine) -> str | None:
        """The line's domain, or None; feed every line in file order (it learns pids)."""
        named = self.named_by(line)
        if named is not None:
            if line.pid is not None:
                self._hand(line.host, line.pid, named)
            self.hosts.setdefault(named, set()).add(line.host)
            return named
        if line.host in self.domains:
            return line.host
        if line.pid is not None:
            return self.pids.get((line.host, line.pid))
        return None

    def _hand(self, host: str, pid: int, domain: str) -> None:
        before = self.pids.get((host, pid))
        if before == domain:
            return
        if before is not None:
            self.handed[before][pid] -= 1
            if not self.handed[before][pid]:
                del self.handed[before][pid]
        self.pids[host, pid] = domain
        self.handed.setdefault(domain, Counter())[pid] += 1

    @staticmethod
    def named_by(line: LogLine) -> str | None:
        """The domain a virtuald or virtexec line hands its pid to, or None."""
        if line.program == "virtuald" and line.message.startswith(CHROOT_MARK):
            return line.message[len(CHROOT_MARK):].rstrip("/").rpartition("/")[2] or None
        if line.program == "virtexec" and line.message.startswith(VIRTEXEC_MARK):
            return line.message[len(VIRTEXEC_MARK):].split(" ", 1)[0] or None
        return None
