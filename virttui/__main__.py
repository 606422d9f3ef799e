import sys

from virttui.cli import main

sys.exit(main())
