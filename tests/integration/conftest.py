"""Fixtures: a fresh server per test, and a Chat to open connections with."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import chatlib  # noqa: E402

server, chat = chatlib.fixtures()
