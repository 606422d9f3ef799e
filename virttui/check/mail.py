"""mail: each person whose mail was delivered to the spool (var/mail/USER) has a Maildir,
and every Maildir belongs to its user (deliveries run as the user and would fail)."""

import stat

from virttui.check.report import ERROR, WARNING, Finding
from virttui.domains.inroot import DomainRoot


def mail_findings(name: str, domain_path, entries) -> list[Finding]:
    found = []
    for entry in entries:
        if entry.is_system:
            continue
        maildir = _lstat(domain_path, f"{entry.home.strip('/')}/Maildir")
        if maildir is None:
            spool = _lstat(domain_path, f"var/mail/{entry.name}")
            if spool is not None and stat.S_ISREG(spool.st_mode) and spool.st_size > 0:
                found.append(Finding(WARNING, name, "mail",
                                     f"{entry.name} has mail in var/mail/{entry.name} and no Maildir in {entry.home}",
                                     "make the Maildir (tmp, new, cur, owned by the user); the mail servers read it"))
        elif not stat.S_ISDIR(maildir.st_mode):
            found.append(Finding(ERROR, name, "mail", f"{entry.home}/Maildir of {entry.name} is not a directory",
                                 "move it away; the next delivery makes the Maildir"))
        elif maildir.st_uid != entry.uid:
            found.append(Finding(ERROR, name, "mail",
                                 f"{entry.home}/Maildir belongs to uid {maildir.st_uid}, not to {entry.name} ({entry.uid})",
                                 f"chown -R {entry.name} {entry.home}/Maildir inside the domain"))
    return found


def _lstat(domain_path, relative: str):
    try:
        with DomainRoot(domain_path) as domain:
            return domain.stat(relative, follow=False)
    except OSError:
        return None
