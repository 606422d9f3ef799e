"""YAML with line numbers, so that every settings or profile error can name file, line and key."""

from dataclasses import dataclass
from pathlib import Path

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


class LocatedList(list):
    path: str = ""
    line: int = 0


@dataclass
class _Builder:
    path: str

    def build(self, node):
        import yaml

        if isinstance(node, yaml.MappingNode):
            result = LocatedDict()
            result.path, result.line, result.key_lines = self.path, node.start_mark.line + 1, {}
            for key_node, value_node in node.value:
                key = self.build(key_node)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    raise ConfigError(self.path, key_node.start_mark.line + 1, None, "a key must be plain text")
                if key in result:
                    raise ConfigError(self.path, key_node.start_mark.line + 1, key, "key given twice")
                result[key] = self.build(value_node)
                result.key_lines[key] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            result = LocatedList(self.build(item) for item in node.value)
            result.path, result.line = self.path, node.start_mark.line + 1
            return result
        return yaml.SafeLoader(b"").construct_object(node)  # a scalar: its plain value


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
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(path, line, None, f"not valid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise ConfigError(path, None, None, f"not valid YAML: {error}") from None
    if node is None:
        return LocatedDict()
    try:
        return _Builder(path).build(node)
    except yaml.constructor.ConstructorError as error:
        mark = error.problem_mark
        raise ConfigError(path, mark.line + 1 if mark else None, None, str(error.problem)) from None
