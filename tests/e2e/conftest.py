"""The e2e tests run ``certherd serve`` and the CLI as subprocesses (see e2e_support)."""

from __future__ import annotations

import sys
from pathlib import Path

# The test modules import their helpers by name, whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).parent))
