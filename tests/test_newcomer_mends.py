"""What a new user tripped on, each with a test that failed before its mend."""

import os

import pytest

from virttui.virtfs.profiles import compose

COMMON_TERMINALS = ["xterm", "xterm-256color", "screen", "screen-256color", "tmux", "tmux-256color", "linux",
                    "vt100", "vt220", "rxvt-unicode-256color", "dumb"]


@pytest.mark.parametrize("term", COMMON_TERMINALS)
def test_the_base_profile_copies_the_terminfo_entry_of_common_terminals(term):
    """vi in a domain under tmux said "terminal entry not found": the entry must be one of the
    files the base profile copies, where this host keeps it."""
    files = compose(["base"]).files
    listed = [path for path in files if path.endswith(f"terminfo/{term[0]}/{term}")]
    assert any(os.path.exists("/" + path) for path in listed), (term, listed)
