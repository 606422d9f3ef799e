"""The files a domain gets fresh, never copied from the host: its own accounts (system ones
only, no password anywhere), its name, its resolver."""

from pathlib import Path

SYSTEM_ACCOUNTS = (
    ("root", 0, 0, "root", "/root", "/bin/sh"),
    ("daemon", 1, 1, "daemon", "/usr/sbin", "/usr/sbin/nologin"),
    ("bin", 2, 2, "bin", "/bin", "/usr/sbin/nologin"),
    ("sys", 3, 3, "sys", "/dev", "/usr/sbin/nologin"),
    ("mail", 8, 8, "mail", "/var/mail", "/usr/sbin/nologin"),
    ("ftp", 21, 21, "anonymous FTP", "/srv/ftp", "/usr/sbin/nologin"),
    ("www-data", 33, 33, "www-data", "/var/www", "/usr/sbin/nologin"),
    ("nobody", 65534, 65534, "nobody", "/nonexistent", "/usr/sbin/nologin"),
)
SYSTEM_GROUPS = (("root", 0), ("daemon", 1), ("bin", 2), ("sys", 3), ("adm", 4), ("tty", 5),
                 ("mail", 8), ("ftp", 21), ("www-data", 33), ("shadow", 42), ("utmp", 43), ("staff", 50), ("users", 100),
                 ("nogroup", 65534))
SHADOW_GID = 42
NOT_CHANGED_SINCE = 19000  # days since 1970 in shadow's "last change" field


def passwd(domain: str) -> str:
    return "".join(f"{n}:x:{u}:{g}:{gecos}:{home}:{shell}\n" for n, u, g, gecos, home, shell in SYSTEM_ACCOUNTS)


def group(domain: str) -> str:
    return "".join(f"{name}:x:{gid}:\n" for name, gid in SYSTEM_GROUPS)


def shadow(domain: str) -> str:
    # "*": no password can match; accounts are added with the domain's own useradd and chpasswd
    return "".join(f"{entry[0]}:*:{NOT_CHANGED_SINCE}:0:99999:7:::\n" for entry in SYSTEM_ACCOUNTS)


def gshadow(domain: str) -> str:
    return "".join(f"{name}:*::\n" for name, _ in SYSTEM_GROUPS)


def hostname(domain: str) -> str:
    return domain + "\n"


def hosts(domain: str) -> str:
    return f"127.0.0.1\tlocalhost\n127.0.1.1\t{domain}\n::1\tlocalhost ip6-localhost ip6-loopback\n"


def resolv_conf(domain: str) -> str:
    """The host's name servers and search domains, nothing else."""
    try:
        lines = Path("/etc/resolv.conf").read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    kept = [line for line in lines if line.split()[:1] in (["nameserver"], ["search"], ["domain"])]
    return "\n".join(kept or ["nameserver 127.0.0.1"]) + "\n"


def nsswitch_conf(domain: str) -> str:
    return ("passwd: files\ngroup: files\nshadow: files\ngshadow: files\n"
            "hosts: files dns\nnetworks: files\nservices: files\nprotocols: files\n")


def aliases(domain: str) -> str:
    """The domain's own mail aliases: its system accounts' mail goes to root."""
    return "# the mail aliases of this domain; run newaliases (virtnewaliases) after a change\n" + \
        "".join(f"{name}: root\n" for name in ("postmaster", "abuse", "mailer-daemon", "daemon", "nobody"))


def postfix_main_cf(domain: str) -> str:
    """The domain's own Postfix: its tools (mailq, newaliases) on its own queue and aliases,
    and, in a domain served the seed's way (profile smtp), its master delivering to ~/Maildir."""
    return (f"# the domain's own Postfix settings: its mailq and newaliases, and its master when\n"
            "# it runs one (the smtp profile)\n"
            f"compatibility_level = 3.6\nmyhostname = {domain}\nmydestination = {domain}, localhost\n"
            "alias_maps = hash:/etc/aliases\nalias_database = hash:/etc/aliases\n"
            "queue_directory = /var/spool/postfix\ndata_directory = /var/lib/postfix\n"
            "mail_owner = mail\nsetgid_group = adm\nhome_mailbox = Maildir/\n"
            "inet_interfaces = loopback-only\nbiff = no\nsmtputf8_enable = no\n")


def postfix_master_cf(domain: str) -> str:
    """The domain's Postfix master listens on no address (virtuald's `sendmail -bs` receives);
    unix services only, none chrooted (the domain is the chroot)."""
    services = (("pickup", "n", "60", "1", "pickup"), ("cleanup", "n", "-", "0", "cleanup"),
                ("qmgr", "n", "300", "1", "qmgr"), ("rewrite", "-", "-", "-", "trivial-rewrite"),
                ("bounce", "-", "-", "0", "bounce"), ("defer", "-", "-", "0", "bounce"),
                ("trace", "-", "-", "0", "bounce"), ("verify", "-", "-", "1", "verify"),
                ("flush", "n", "1000?", "0", "flush"), ("proxymap", "-", "-", "-", "proxymap"),
                ("smtp", "-", "-", "-", "smtp"), ("relay", "-", "-", "-", "smtp"),
                ("showq", "n", "-", "-", "showq"), ("error", "-", "-", "-", "error"),
                ("retry", "-", "-", "-", "error"), ("discard", "-", "-", "-", "discard"),
                ("local", "-", "-", "-", "local", "n"), ("anvil", "-", "-", "1", "anvil"),
                ("scache", "-", "-", "1", "scache"))
    # local alone runs as root: it becomes each recipient to write their Maildir
    lines = [f"{name:<9} unix  {private} {unprivileged[0] if unprivileged else '-'} n {wakeup:<5} {limit} {command}"
             for name, private, wakeup, limit, command, *unprivileged in services]
    return "# the domain's own Postfix: no inet service, virtuald runs sendmail -bs\n" + "\n".join(lines) + "\n"


def dovecot_conf(domain: str) -> str:
    """What Dovecot's imap and pop3 need when mailfront's front ends start them already
    logged in, one process per connection, with no Dovecot master in the domain."""
    return ("# the domain's own Dovecot settings, for its imap and pop3 started by mailfront's\n"
            "# imapfront-auth and pop3front-auth once they have checked the password\n"
            "protocols = imap pop3\nmail_location = maildir:~/Maildir\n"
            "# IMAPLOGINTAG: imap answers the client's LOGIN with it (without it, a bare\n"
            "# PREAUTH greeting that clients do not expect after LOGIN, and they hang)\n"
            "import_environment = TZ IMAPLOGINTAG USER HOME MAIL\n"
            "# a message's UIDL is its file name, as qmail-pop3d and mailfront give it\n"
            "pop3_uidl_format = %f\n"
            f"hostname = {domain}\nbase_dir = /run/dovecot\nstate_dir = /var/lib/dovecot\n"
            "log_path = syslog\nsyslog_facility = mail\nssl = no\n")


def pop3_logged_in(domain: str) -> str:
    """What pop3front-auth runs once it has checked the password and become the user: Dovecot's
    pop3 answers nothing to the PASS when no Dovecot master started it, so this does."""
    return ("#!/bin/sh\n# run by pop3front-auth after the password is checked: the +OK to PASS, "
            "then Dovecot's pop3\nprintf '+OK Logged in.\\r\\n'\nexec /usr/lib/dovecot/pop3\n")


def smb_conf(domain: str) -> str:
    """The domain's own Samba: smbd started per connection on port 445 (no NetBIOS, no
    printers), its users' passwords in its own tdbsam, each user's home as [homes]."""
    netbios = domain.split(".")[0][:15].upper()
    return ("# the domain's own Samba settings (smbd runs inside the domain, one per connection)\n[global]\n"
            f"   workgroup = WORKGROUP\n   netbios name = {netbios}\n   server string = {domain}\n"
            "   server role = standalone server\n   passdb backend = tdbsam\n   map to guest = never\n"
            "   disable netbios = yes\n   smb ports = 445\n"
            "   # CP850 would need glibc's gconv modules in the domain; clients speak Unicode anyway\n"
            "   dos charset = ASCII\n"
            "   load printers = no\n   printing = bsd\n   printcap name = /dev/null\n   disable spoolss = yes\n"
            "   state directory = /var/lib/samba\n   lock directory = /var/lib/samba/lock\n"
            "   cache directory = /var/cache/samba\n   pid directory = /run/samba\n"
            "   private dir = /var/lib/samba/private\n   log file = /var/log/samba/log.%m\n"
            "   max log size = 1000\n\n"
            "[homes]\n   comment = home directory\n   browseable = no\n   read only = no\n"
            "   valid users = %S\n   create mask = 0644\n   directory mask = 0755\n"
            "   # smbd's modules are in the domain: vfs objects = recycle (or fruit, streams_xattr ...)\n")


def mtab(domain: str) -> str:
    """The domain's one file system as its servers look it up: smbd's quota code finds the
    device of each share here, and logs two errors per connection when there is no mtab."""
    return "# the domain as its own programs see it\ndomain / none rw 0 0\n"


# The accounts FTP never lets in, whatever their password (pam_listfile in pam.d/vsftpd).
FTP_REFUSED = tuple(entry[0] for entry in SYSTEM_ACCOUNTS)


def vsftpd_conf(domain: str) -> str:
    """vsftpd run per connection by virtuald (inetd mode): the domain's own users jailed in
    their homes, anonymous sessions read-only in /srv/ftp. The admin edits it in the domain;
    vsftpd refuses it unless root owns it."""
    return (f"# vsftpd for {domain}, started per connection by virtuald (inetd mode).\n"
            "# Edit freely; vsftpd reads it at every connection and refuses it unless root owns it.\n"
            "listen=NO\nlisten_ipv6=NO\n"
            "# The domain's own users (etc/passwd, etc/shadow, PAM service vsftpd), jailed in their homes\n"
            "local_enable=YES\nwrite_enable=YES\nlocal_umask=022\n"
            "chroot_local_user=YES\nallow_writeable_chroot=YES\n"
            "pam_service_name=vsftpd\n"
            "# Anonymous FTP: read-only, in /srv/ftp (root's: anonymous sessions cannot write it).\n"
            "anonymous_enable=YES\nftp_username=ftp\nanon_root=/srv/ftp\nno_anon_password=YES\n"
            "anon_upload_enable=NO\nanon_mkdir_write_enable=NO\nanon_other_write_enable=NO\n"
            "# Passive data connections open on the address the client connected to, so every\n"
            "# domain can share one range; pasv_min_port and pasv_max_port narrow it for a firewall.\n"
            "pasv_enable=YES\n"
            "secure_chroot_dir=/var/run/vsftpd/empty\n"
            "# One line per login and transfer, through the domain's dev/log\n"
            "syslog_enable=YES\nxferlog_enable=YES\n")


def pam_vsftpd(domain: str) -> str:
    """Self-contained: the host's PAM files include common-* files that are not the domain's."""
    return ("# vsftpd's logins: the domain's own passwd and shadow, nothing of the host\n"
            "auth     required pam_listfile.so item=user sense=deny file=/etc/ftpusers onerr=succeed\n"
            "auth     required pam_shells.so\n"
            "auth     required pam_unix.so\n"
            "account  required pam_unix.so\n"
            "password required pam_deny.so\n"
            "session  required pam_permit.so\n")


def pam_other(domain: str) -> str:
    """What a service without its own PAM file gets in the domain: nothing."""
    return "# services without a file of their own in pam.d are refused\n" + "".join(
        f"{kind:<8} required pam_deny.so\n" for kind in ("auth", "account", "password", "session"))


def ftpusers(domain: str) -> str:
    return "# accounts refused by FTP, one a line\n" + "".join(f"{name}\n" for name in FTP_REFUSED)


# name in etc/ -> (what writes it, mode, group)
GENERATORS = {
    "passwd": (passwd, 0o644, 0), "group": (group, 0o644, 0),
    "shadow": (shadow, 0o640, SHADOW_GID), "gshadow": (gshadow, 0o640, SHADOW_GID),
    "hostname": (hostname, 0o644, 0), "hosts": (hosts, 0o644, 0),
    "resolv.conf": (resolv_conf, 0o644, 0), "nsswitch.conf": (nsswitch_conf, 0o644, 0),
    "aliases": (aliases, 0o644, 0), "postfix/main.cf": (postfix_main_cf, 0o644, 0),
    "samba/smb.conf": (smb_conf, 0o644, 0), "mtab": (mtab, 0o644, 0),
    "vsftpd.conf": (vsftpd_conf, 0o644, 0), "pam.d/vsftpd": (pam_vsftpd, 0o644, 0),
    "pam.d/other": (pam_other, 0o644, 0), "ftpusers": (ftpusers, 0o644, 0),
    "postfix/master.cf": (postfix_master_cf, 0o644, 0),
    "dovecot/dovecot.conf": (dovecot_conf, 0o644, 0),
    "dovecot/pop3-logged-in": (pop3_logged_in, 0o755, 0),
}
