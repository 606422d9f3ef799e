"""The virtuald conf files: reading (conffile), linting (lint), the conf screen's rows (view)
and the one locked, atomic editor (editor)."""
