"""glibc malloc settings of the long-running processes (issue 13)."""

from __future__ import annotations

import os
import platform

import pytest

from ktp_service import memory


def test_limit_arenas_sets_the_variable_for_child_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    memory.limit_arenas()

    assert os.environ["MALLOC_ARENA_MAX"] == str(memory.ARENA_MAX)


def test_an_operators_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    memory.limit_arenas()

    assert os.environ["MALLOC_ARENA_MAX"] == "4"


def test_trim_runs_on_every_libc() -> None:
    memory.trim()  # no error on glibc or elsewhere
    assert (memory._libc() is not None) == (platform.libc_ver()[0] == "glibc")
