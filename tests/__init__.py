"""The test suite.

Bytecode is kept for what the test processes import from here on: where PYTHONDONTWRITEBYTECODE is set, each
pytest process (the controller and every worker) otherwise compiled the test modules and rewrote their assertions
again, and hypothesis' too (pytest rewrites a plugin's package): about 3.5 s of each worker's start, every run.
Imported before conftest. The processes the tests start (builds, the CLI) keep the environment's setting.
"""

import sys

sys.dont_write_bytecode = False
