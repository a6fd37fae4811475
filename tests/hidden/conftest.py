"""Fixtures for the hidden tests (the same as the public ones)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chatlib import Chat, Server  # noqa: E402


@pytest.fixture
def server():
    """The server binary on a free port; at the end it must exit 0 on SIGTERM."""
    with Server() as srv:
        yield srv


@pytest.fixture
def chat(server):
    """Open connections to the server; they share one transcript."""
    return Chat(server)
