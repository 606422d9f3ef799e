"""The web server's own blocks for the domains of conf.www: the fast way to serve the web.

virtuald per connection starts a server for every request (the `www` service of the catalog,
busybox httpd: for small sites). A host's nginx or Apache serves the same domains with one
block per address of ROOT/conf.www, each serving the domain's DOCUMENT_ROOT, and following a
symbolic link only when the link and its target have one owner: a domain's user cannot link
to a file of the host's or of another domain's.

- nginx:  `server` blocks, for a file in /etc/nginx/conf.d/ (inside nginx's `http` block);
- Apache: `Listen` lines and `<VirtualHost>` blocks, for sites-available/.

The `default` line of conf.www is the block for the addresses no other line names (nginx's
`default_server`, Apache's `_default_`).
"""

import re
from dataclasses import dataclass
from pathlib import Path

from virttui.conf.conffile import DEFAULT, ERROR, read
from virttui.names import is_domain_name, printable, quoted

SERVERS = ("nginx", "apache")
DOCUMENT_ROOT = "var/www/html"   # in the domain: the www profile makes it, busybox httpd serves it
# What a path may hold to be written bare in either server's configuration: no white space,
# quote, `;`, `{`, `}`, `#`, `$` (nginx's variables, Apache's ${DEFINE}), `%`, `<`, `>` or control.
SAFE_PATH = re.compile(r"/[A-Za-z0-9._+@,=:~/-]*\Z")


class WebConfigError(ValueError):
    """conf.www cannot be turned into a configuration; one line says where and why."""


@dataclass(frozen=True)
class Site:
    address: str          # canonical, or DEFAULT
    directory: str        # the domain's directory, as conf.www gives it
    name: str             # the domain's name (the directory's last component), or "" when it is none

    @property
    def document_root(self) -> str:
        return f"{self.directory.rstrip('/')}/{DOCUMENT_ROOT}"

    def listen(self, port: int) -> str:
        """ADDRESS:PORT as both servers write it; the port alone for the default line."""
        if self.address == DEFAULT:
            return str(port)
        return f"[{self.address}]:{port}" if ":" in self.address else f"{self.address}:{port}"


def sites(conf: Path) -> list[Site]:
    """The lines of conf.www, in file order. WebConfigError for a file that cannot be read, an
    error in it (the line virtuald would refuse is no site either), or a directory that no
    configuration could hold."""
    try:
        parsed = read(str(conf))
    except FileNotFoundError:
        raise WebConfigError(f"{printable(str(conf))} does not exist: give the domains their addresses "
                             "first (virttui enable DOMAIN www --address ADDRESS)") from None
    except OSError as error:
        raise WebConfigError(f"{printable(str(conf))}: cannot read: {error.strerror}") from None
    for problem in parsed.problems:
        if problem.severity == ERROR:
            raise WebConfigError(f"{printable(str(conf))}:{problem.lineno}: {problem.message} "
                                 "(virttui conf check lists every problem)")
    found = []
    for mapping in parsed.mappings:
        if not SAFE_PATH.match(mapping.directory) or "/../" in mapping.directory + "/":
            raise WebConfigError(
                f"{printable(str(conf))}:{mapping.lineno}: directory {quoted(mapping.directory)} "
                "cannot go into a web server's configuration: use letters, digits and . _ + @ , = : ~ - / "
                "only, and no '..'")
        name = mapping.directory.rstrip("/").rsplit("/", 1)[-1]
        found.append(Site(mapping.address, mapping.directory, name if is_domain_name(name) else ""))
    return found


def nginx_config(site_list: list[Site], port: int, conf: Path) -> str:
    blocks = [_header(conf, "a file in /etc/nginx/conf.d/ (it goes inside nginx's http block)")]
    for site in site_list:
        default = " default_server" if site.address == DEFAULT else ""
        blocks.append(
            f"server {{\n"
            f"    listen {site.listen(port)}{default};\n"
            f"    server_name {site.name or '_'};\n"
            f"    root {site.document_root};\n"
            f"    index index.html;\n"
            f"    disable_symlinks if_not_owner;\n"
            f"    location / {{\n"
            f"        try_files $uri $uri/ =404;\n"
            f"    }}\n"
            f"}}\n")
    return "\n".join(blocks)


def apache_config(site_list: list[Site], port: int, conf: Path) -> str:
    blocks = [_header(conf, "sites-available/ (httpd refuses overlapping Listen lines: these "
                            "replace a `Listen PORT` of ports.conf)")]
    if any(site.address == DEFAULT for site in site_list):
        listens = [f"Listen {port}"]   # every address: a specific Listen beside it would overlap
    else:
        listens = [f"Listen {site.listen(port)}" for site in site_list]
    blocks.append("\n".join(listens) + "\n" if listens else "")
    for site in site_list:
        address = f"_default_:{port}" if site.address == DEFAULT else site.listen(port)
        server_name = f"    ServerName {site.name}\n" if site.name else ""
        blocks.append(
            f"<VirtualHost {address}>\n{server_name}"
            f"    DocumentRoot {site.document_root}\n"
            f"    <Directory {site.document_root}>\n"
            f"        Options SymLinksIfOwnerMatch\n"
            f"        AllowOverride None\n"
            f"        Require all granted\n"
            f"    </Directory>\n"
            f"</VirtualHost>\n")
    return "\n".join(block for block in blocks if block)


def web_config(server: str, conf: Path, port: int) -> str:
    if server not in SERVERS:
        raise WebConfigError(f"no web server {quoted(server)}; one of {', '.join(SERVERS)}")
    make = nginx_config if server == "nginx" else apache_config
    return make(sites(conf), port, conf)


def _header(conf: Path, where: str) -> str:
    return (f"# The domains of {printable(str(conf))}, one block per address: each serves its\n"
            f"# domain's {DOCUMENT_ROOT}, following a link only to a file of the link's owner.\n"
            f"# Made by `virttui web config`; for {where}.\n")
