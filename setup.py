"""The one compiled module: everything else is in pyproject.toml.

It is optional: where the machine has no C compiler (or no Python headers) the install goes
on without it and virttui.syslog.needle_lines does its work in Python.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("virttui.syslog._needle_lines", ["virttui/syslog/_needle_lines.c"], optional=True)])
