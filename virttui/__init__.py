"""virttui: virtual services for one host serving many chrooted domains.

This package is the core and the command-line programs. It never imports
textual at module level, and this file stays empty of imports: virtuald,
virtexec and the mail programs import submodules of it once per connection,
command or message.
"""

__version__ = "0.1.0"
