"""Domain names: what may name a directory under the root.

Lower-case LDH labels of 1-63 characters separated by dots, 253 characters
at most; `xn--` labels are fine. Never a name that could escape the root or
collide with the root's own entries (`log`, `conf.*`, `lost+found`).
Also the one home of escaping outside text for display (`printable`, `quoted`): a log
line, a conf field, a path inside a domain, a name typed by a user.
Standard library only, nothing imported: the mail filter and virtexec use it per call.
"""

MAX_NAME = 253
RESERVED = frozenset({"log", "lost+found"})


def _good_label(label: str) -> bool:
    """1 to 63 of a-z, 0-9 and '-', not at either end (the name is already folded).
    String methods, not a regular expression: importing re would cost the programs that run
    once per command or message about 10 ms each."""
    return (0 < len(label) <= 63 and label.isascii() and label[0] != "-" and label[-1] != "-"
            and label.replace("-", "0").isalnum())


class BadDomainName(ValueError):
    """A name that cannot be a domain; the message says why."""


def normalize_domain(name: str) -> str:
    """Return `name` folded to lower case, or raise BadDomainName saying why."""
    if not isinstance(name, str):
        raise BadDomainName("a domain name must be text")
    folded = name.lower()
    if len(folded) <= MAX_NAME and folded not in RESERVED and not folded.startswith("conf.") \
            and all(map(_good_label, folded.split("."))):
        return folded
    if not folded:
        raise BadDomainName("the domain name is empty")
    if len(folded) > MAX_NAME:
        raise BadDomainName(f"longer than {MAX_NAME} characters")
    if folded in RESERVED or folded.startswith("conf."):
        raise BadDomainName(f"{quoted(folded)} is reserved for the root's own files")
    if folded.startswith("."):
        raise BadDomainName("starts with a dot")
    if folded.endswith("."):
        raise BadDomainName("ends with a dot")
    for label in folded.split("."):
        if not label:
            raise BadDomainName("has an empty label ('..')")
        if not _good_label(label):
            raise BadDomainName(_label_problem(label))
    return folded


def printable(text: str) -> str:
    """`text` safe in a one-line message: a byte that is not UTF-8 (which Python keeps as a
    surrogate) and a character that is not printable (a control, a line separator) shown
    as \\xNN or \\uNNNN, the rest as it is."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escaped(c) for c in text)


def quoted(text) -> str:
    """`text` as a message names a value it refuses: printable, between single quotes (a
    value that is not text, such as a number read from YAML, as Python writes it)."""
    return f"'{printable(text)}'" if isinstance(text, str) else repr(text)


def _escaped(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def is_domain_name(name: str) -> bool:
    try:
        normalize_domain(name)
    except BadDomainName:
        return False
    return True


def _label_problem(label: str) -> str:
    if len(label) > 63:
        return f"label {quoted(label[:20])}... is longer than 63 characters"
    if label.startswith("-") or label.endswith("-"):
        return f"label {quoted(label)} starts or ends with a hyphen"
    bad = sorted({c for c in label if not (c.isascii() and (c.isalnum() or c == "-"))})
    return f"label {quoted(label)} has characters other than a-z, 0-9 and '-': {quoted(''.join(bad))}"
