"""A real terminal for tests: tmux on a socket of the test's own."""

import subprocess
import time

from tests.conftest import require_program


class Tmux:
    def __init__(self, name: str):
        require_program("tmux", "tmux")
        self.socket = f"virttui-{name}"

    def __call__(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30)

    def start(self, command: str, columns: int = 80, rows: int = 24) -> None:
        self("new-session", "-d", "-s", "app", "-x", str(columns), "-y", str(rows), command)

    def keys(self, *keys: str) -> None:
        self("send-keys", "-t", "app", *keys)

    def wait_for(self, *texts: str, seconds: float = 20.0) -> str:
        """The screen once every one of `texts` shows on it at the same time (the app paints in
        several frames); AssertionError with the last screen when they never do."""
        deadline = time.monotonic() + seconds
        screen = ""
        while time.monotonic() < deadline:
            screen = self("capture-pane", "-p", "-t", "app").stdout
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{texts!r} never showed together; the screen was:\n{screen}")

    def stop(self) -> None:
        self("kill-server")
