"""How fast virttui paints, as a user sees it on an 80x24 terminal.

1. Start-up: from process start to the first frame showing domain rows, on a root of
   10,000 domains and on one of 100,000, next to a bare Textual app (one Static) started the
   same way in the same run. Goals: ratio <= 1.3 at 10,000, <= 1.5 at 100,000. The first
   painted frame (the table's filter hint) is shown too.
2. Filter: from a keystroke in the filter box to the repaint of the table's count on a root of
   100,000 domains, next to a bare Textual app that echoes the same keystrokes in a Static.
   Goal: median <= 50 ms.

Run: .venv/bin/python bench/startup.py [--runs N]
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.compiled import compile_project  # noqa: E402
from bench.terminal import TerminalProgram  # noqa: E402
from virttui.demo import build_many  # noqa: E402

VENV_BIN = Path(sys.executable).parent

BARE_APP = '''
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("bare-app-ready")
Bare().run()
'''

ECHO_APP = '''
from textual.app import App
from textual.widgets import Input, Static
class Echo(App):
    def compose(self):
        yield Static("typed: none", id="typed")
        yield Input()
    def on_input_changed(self, event):
        self.query_one("#typed", Static).update(f"typed: {event.value or 'none'}")
Echo().run()
'''


def first_frame(argv: list[str], marker: bytes) -> float:
    program = TerminalProgram(argv)
    try:
        return program.wait_for(marker) - program.started
    finally:
        program.close()


def startup(root: Path, runs: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds to the bare app's frame, to virttui's first frame, to virttui's first rows."""
    virttui = [str(VENV_BIN / "virttui"), "--root", str(root)]
    bare = [sys.executable, "-c", BARE_APP]
    theirs, first, rows = [], [], []
    for _ in range(runs):  # interleaved, so all see the same machine load
        theirs.append(first_frame(bare, rb"bare-app-ready"))
        program = TerminalProgram(virttui)
        try:
            first.append(program.wait_for(rb"Filter: name") - program.started)
            rows.append(program.wait_for(rb"d00000\.example") - program.started)
        finally:
            program.close()
    return theirs, first, rows


# Each step: the key sent, what virttui's screen then shows, what the echo app's shows.
# "d" matches every name (d00000.example ...) and no address or service, so each digit
# typed after it divides the domains shown by ten; ctrl+u empties the box again.
def filter_steps() -> list[tuple[bytes, bytes, bytes]]:
    steps = []
    for digit in "123456789":
        typed = "d"
        steps.append((b"d", None, None))
        for shown in (10000, 1000, 100, 10, 1):
            typed += digit
            steps.append((digit.encode(), rb"showing %d(?!\d)" % shown,
                          rb"typed: %s(?!\w)" % typed.encode()))
        steps.append((b"\x15", rb"d00000\.example", rb"typed: none"))
    return steps


def keystroke_times(argv: list[str], ready: bytes, focus: bytes, which: int) -> list[float]:
    """Seconds from each measured keystroke to its repaint; `which` picks the step's pattern."""
    program = TerminalProgram(argv)
    try:
        program.wait_for(ready, timeout=600)
        program.send(focus)
        program.drain(1.0)
        times = []
        for step in filter_steps():
            position, sent = program.send(step[0])
            if step[which] is None:
                program.drain(0.3)
                continue
            times.append(program.wait_for(step[which], since=position) - sent)
        return times
    finally:
        program.close()


def report(title: str, ours: list[float], theirs: list[float], goal: str, met: bool | None = None) -> None:
    mine, base = statistics.median(ours), statistics.median(theirs)
    print(f"{title}")
    print(f"  virttui   median {mine * 1000:8.1f} ms  (n={len(ours)}, min {min(ours) * 1000:.1f}, "
          f"max {max(ours) * 1000:.1f})")
    print(f"  baseline  median {base * 1000:8.1f} ms  (n={len(theirs)}, min {min(theirs) * 1000:.1f}, "
          f"max {max(theirs) * 1000:.1f})")
    verdict = "" if met is None else ("  met" if met else "  MISSED")
    print(f"  ratio     {mine / base:.2f}   goal: {goal}{verdict}")


def report_startup(size: int, runs: int, root: Path, goal: float) -> bool:
    theirs, first, rows = startup(root, runs)
    report(f"start-up to the first painted frame, {size:,} domains, 80x24 (baseline: bare Textual Static)",
           first, theirs, "none set; the rows below are what a user waits for")
    met = statistics.median(rows) / statistics.median(theirs) <= goal
    report(f"start-up to the first frame showing domain rows, {size:,} domains, 80x24 (same baseline)",
           rows, theirs, f"ratio <= {goal}", met)
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="start-ups of each app (default 7)")
    parser.add_argument("--domains", type=int, default=100_000,
                        help="size of the big root: start-up and filter test (default 100,000)")
    parser.add_argument("--only", choices=("startup", "filter"), help="run one of the two parts")
    args = parser.parse_args()
    compile_project()
    goals = []
    with tempfile.TemporaryDirectory(prefix="virttui-bench-") as scratch:
        big = build_many(Path(scratch) / "many", args.domains)
        small = build_many(Path(scratch) / "ten-thousand", 10_000) if args.only != "filter" else None
        os.sync()   # the roots' writeback would otherwise run during the first start-ups
        if small is not None:
            goals.append(("rows at 10,000", report_startup(10_000, args.runs, small, 1.3)))
            goals.append((f"rows at {args.domains:,}", report_startup(args.domains, args.runs, big, 1.5)))
        if args.only != "startup":
            virttui = [str(VENV_BIN / "virttui"), "--root", str(big)]
            loaded = rb"%d domains, 0 aliases(?! \xe2\x80\x94)" % args.domains
            ours = keystroke_times(virttui, loaded, b"/", 1)
            theirs = keystroke_times([sys.executable, "-c", ECHO_APP], rb"typed: none", b"", 2)
            met = statistics.median(ours) <= 0.050
            report(f"filter keystroke to repaint, {args.domains:,} domains (baseline: bare Textual Input echo)",
                   ours, theirs, "virttui median <= 50 ms", met)
            goals.append(("filter keystroke", met))
    print("goals: " + ", ".join(f"{name} {'met' if met else 'MISSED'}" for name, met in goals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
