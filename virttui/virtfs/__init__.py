"""virtfs: build a domain's root filesystem from profiles (see virttui.virtfs.cli)."""
