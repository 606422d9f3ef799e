"""YAML with line numbers, so that every settings or profile error can name file, line and key;
and the one check of a section's keys (`refuse_unknown`) that every section's reader uses."""

from dataclasses import dataclass, field
from pathlib import Path

from virttui.names import quoted

# yaml is imported where a file is read: most runs of virttui have no settings file, and
# the import costs a noticeable part of the app's start-up.


class ConfigError(Exception):
    """A settings or profile file that cannot be used; str() is the one line to show."""

    def __init__(self, path, line, key, message):
        self.path, self.line, self.key, self.message = path, line, key, message
        where = f"{path}:{line}" if line else f"{path}"
        what = f" {key}:" if key else ""
        super().__init__(f"{where}:{what} {message}")


class LocatedDict(dict):
    """A YAML mapping that remembers its own line and each key's line (1-based)."""

    path: str = ""
    line: int = 0
    key_lines: dict

    def line_of(self, key) -> int:
        return getattr(self, "key_lines", {}).get(key, self.line)

    def error(self, key, message) -> ConfigError:
        return ConfigError(self.path, self.line_of(key), key, message)


def refuse_unknown(mapping: LocatedDict, known, prefix: str = "") -> None:
    """The first key of `mapping`, in the file's order, that is not one of `known` is a
    ConfigError naming its line and the keys that are known there (`prefix` dots the key's
    name, as `log.` does for the settings' log section)."""
    for key in mapping:
        if key not in known:
            raise ConfigError(mapping.path, mapping.line_of(key), f"{prefix}{key}",
                              f"unknown key; known keys here: {', '.join(sorted(known))}")


class LocatedList(list):
    path: str = ""
    line: int = 0


MERGE_TAG = "tag:yaml.org,2002:merge"
# Aliases repeat a value wherever they stand: a few lines of nested aliases ("billion laughs")
# would expand to billions of values. No settings file or profile comes near this many.
MAX_VALUES = 100_000


@dataclass
class _Builder:
    path: str
    built: int = 0
    open_nodes: set = field(default_factory=set)  # the nodes being built: an alias to one is a loop

    def build(self, node, key: str | None = None, key_line: int | None = None):
        """The value of `node`; `key` (dotted) and `key_line` say where it stands, for errors."""
        import yaml

        self.built += 1
        if self.built > MAX_VALUES:
            raise self.error(node, key, key_line, f"the aliases expand to more than {MAX_VALUES} values: "
                                        "write the values out instead")
        if id(node) in self.open_nodes:
            raise self.error(node, key, key_line, "an alias inside its own anchor (a value that contains itself)")
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, key, key_line)
        self.open_nodes.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, key)
            result = LocatedList(self.build(item, key, key_line) for item in node.value)
            result.path, result.line = self.path, node.start_mark.line + 1
            return result
        finally:
            self.open_nodes.discard(id(node))

    def mapping(self, node, parent_key: str | None) -> LocatedDict:
        result = LocatedDict()
        result.path, result.line, result.key_lines = self.path, node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                raise self.error(key_node, "<<", None, "merge keys are not read here: write the keys out")
            line = key_node.start_mark.line + 1
            key = self.build(key_node, parent_key, line)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise ConfigError(self.path, line, None, "a key must be plain text")
            if key in result:
                raise ConfigError(self.path, line, key, "key given twice")
            result[key] = self.build(value_node, f"{parent_key}.{key}" if parent_key else str(key), line)
            result.key_lines[key] = line
        return result

    def scalar(self, node, key: str | None, key_line: int | None):
        import yaml

        try:
            value = yaml.SafeLoader(b"").construct_object(node)  # its plain value
        except Exception:  # a tag YAML cannot read this text as (!!int abc, !foo x ...)
            raise self.error(node, key, key_line, f"{quoted(node.value)} cannot be read as {node.tag}") from None
        if isinstance(value, str) and "\0" in value:
            raise self.error(node, key, key_line, "a NUL character (\\0) cannot be in a value: remove it")
        return value

    def error(self, node, key, key_line, message) -> ConfigError:
        return ConfigError(self.path, key_line or node.start_mark.line + 1, key, message)


def load(path: Path):
    """The YAML document in `path` as LocatedDict/LocatedList/scalars; ConfigError when broken."""
    try:
        text = Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(path, None, None, f"cannot read: {error.strerror}") from None
    return loads(text, str(path))


def loads(text, path: str = "<text>"):
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        return _Builder(path).build(node) if node is not None else LocatedDict()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(path, line, None, f"not valid YAML: {error.problem}") from None
    except yaml.reader.ReaderError as error:
        raise _unreadable_text(text, path, error) from None
    except yaml.YAMLError as error:
        raise ConfigError(path, None, None, f"not valid YAML: {error}") from None
    except RecursionError:
        raise ConfigError(path, None, None, "nested too deeply to be a settings or profile file") from None


def _unreadable_text(text, path: str, error) -> ConfigError:
    """A byte that is not UTF-8, or a character YAML refuses, with its line (the reader's own
    message spans two lines and gives only an offset)."""
    if error.encoding != "unicode":  # a byte the decoder refused: the offset counts bytes
        line = text[:error.position].count(b"\n") + 1
        return ConfigError(path, line, None, f"byte 0x{error.character:02x} is not {error.encoding} text: "
                                             "save the file as UTF-8")
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")  # what the reader decoded, to count its characters
    line = text[:error.position].count("\n") + 1
    return ConfigError(path, line, None, f"character U+{error.character:04X} is not allowed in YAML: "
                                         "remove it")
