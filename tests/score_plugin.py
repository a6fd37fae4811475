"""A pytest plugin that records every test's outcome for tests/score.py.

Loaded with `-p score_plugin` (tests/ on sys.path) and told where to write by
the CHATLAB_RESULTS environment variable. Each line of that file is one JSON
object: {"id", "outcome", "message", "seconds"}. The message is the text of
the exception that failed the test (for our tests: what was sent, what was
expected, what came back, the transcript and a hint), not a traceback.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

_STATE = pytest.StashKey[dict]()


def _test_id(item: pytest.Item) -> str:
    """.../tests/integration/test_x.py::test_y[p] -> integration/test_x.py::test_y[p],
    from the file's own path (node ids depend on where pytest was started)."""
    parts = Path(item.path).parts
    if "tests" in parts:
        last = len(parts) - 1 - parts[::-1].index("tests")
        parts = parts[last + 1:]
    return "/".join(parts) + "::" + item.nodeid.partition("::")[2]


def _message(call: pytest.CallInfo) -> str:
    exc = call.excinfo
    if exc is None:
        return ""
    text = str(exc.value).strip()
    if exc.errisinstance(AssertionError) and text:
        # Drop pytest's rewritten-assert explanation after our own message.
        return text.split("\nassert ")[0]
    return f"{exc.typename}: {text}" if text else exc.typename


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    state = item.stash.setdefault(_STATE, {"outcome": "passed", "message": "",
                                          "seconds": 0.0})
    state["seconds"] += report.duration
    if report.failed and state["outcome"] != "failed":
        state["outcome"], state["message"] = "failed", _message(call)
    elif report.skipped and state["outcome"] == "passed":
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        state["outcome"], state["message"] = "skipped", reason
    if report.when == "teardown":
        _record(item, state)


def _record(item: pytest.Item, state: dict) -> None:
    path = os.environ.get("CHATLAB_RESULTS")
    if not path:
        return
    entry = {"id": _test_id(item), "outcome": state["outcome"],
             "message": state["message"], "seconds": round(state["seconds"], 3)}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")
