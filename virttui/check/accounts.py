"""accounts: a domain's etc/passwd and etc/shadow readable and well formed, no uid 0 but
root, and no user with a password hash whose shell is not in etc/shells (pam_shells and the
FTP server refuse such users: the password is set, and the login fails)."""

from dataclasses import dataclass

from virttui.check.report import ERROR, WARNING, Finding
from virttui.domains.inroot import DomainRoot
from virttui.domains.passwd import parse_passwd

SHADOW_FIELDS = 9
NO_HASH = ("", "*", "!", "!!")
ACCOUNTS_LIMIT = 4 << 20   # an accounts file of more is no accounts file


@dataclass
class Accounts:
    entries: list          # PasswdEntry of etc/passwd
    findings: list[Finding]


def _text(domain_path, relative: str) -> str:
    with DomainRoot(domain_path) as domain:
        return domain.read_text(relative, ACCOUNTS_LIMIT)


def read_accounts(name: str, domain_path) -> Accounts:
    findings = []
    try:
        entries, bad = parse_passwd(_text(domain_path, "etc/passwd"))
    except OSError as error:
        return Accounts([], [Finding(ERROR, name, "accounts", f"etc/passwd cannot be read: {error.strerror}",
                                     "make it a regular file readable by root (its users cannot log in)")])
    if bad:
        findings.append(Finding(ERROR, name, "accounts", f"etc/passwd: malformed line{'s' * (len(bad) > 1)} "
                                f"{', '.join(map(str, bad[:5]))}", "fix them with vipw inside the domain"))
    findings.extend(Finding(ERROR, name, "accounts", f"{entry.name} has uid 0 but is not root",
                            f"give {entry.name} another uid, or remove it (userdel)")
                    for entry in entries if entry.uid == 0 and entry.name != "root")
    hashed, shadow_findings = _hashed_users(name, domain_path)
    findings.extend(shadow_findings)
    shells = _shells(domain_path)
    findings.extend(Finding(WARNING, name, "accounts",
                            f"{entry.name} has a password but its shell {entry.shell or '(none)'} is not in etc/shells",
                            f"add {entry.shell} to etc/shells, or usermod -s a listed shell")
                    for entry in entries if entry.name in hashed and entry.shell not in shells)
    return Accounts(entries, findings)


def _hashed_users(name: str, domain_path) -> tuple[set[str], list[Finding]]:
    try:
        text = _text(domain_path, "etc/shadow")
    except FileNotFoundError:
        return set(), []
    except OSError as error:
        return set(), [Finding(ERROR, name, "accounts", f"etc/shadow cannot be read: {error.strerror}",
                               "make it a regular file, mode 0640, owner root, group shadow")]
    hashed, bad = set(), []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split(":")
        if len(fields) != SHADOW_FIELDS or not fields[0]:
            bad.append(lineno)
        elif fields[1] not in NO_HASH and not fields[1].startswith(("!", "*")):
            hashed.add(fields[0])
    findings = [Finding(ERROR, name, "accounts", f"etc/shadow: malformed line{'s' * (len(bad) > 1)} "
                        f"{', '.join(map(str, bad[:5]))}", "fix them with vipw -s inside the domain")] if bad else []
    return hashed, findings


def _shells(domain_path) -> set[str]:
    try:
        text = _text(domain_path, "etc/shells")
    except OSError:
        return set()
    return {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}
