"""The scripted engine as a fixture for the runner's tests."""

from __future__ import annotations

import pytest
from scripted_engine import ScriptedEngine


@pytest.fixture
def engine() -> ScriptedEngine:
    return ScriptedEngine()
