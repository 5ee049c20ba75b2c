"""glibc malloc settings for the long-running processes (issue 13: ``ktp serve`` under 200 MB).

glibc gives each thread that contends for the heap an arena of its own (up to 8 per core); a threaded
server (uvicorn's thread pool, the print worker, its heartbeat and poll threads) ends up holding memory in
many half-empty arenas. Two arenas keep the resident size down at no measurable cost for this service.
Elsewhere than glibc (musl, macOS) these functions do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
import platform

log = logging.getLogger(__name__)

ARENA_MAX = 2
_M_ARENA_MAX = -8  # from glibc's <malloc.h>


@functools.cache
def _libc() -> ctypes.CDLL | None:
    if platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def limit_arenas(arenas: int = ARENA_MAX) -> None:
    """Cap malloc arenas at ``arenas`` in this process and, through ``MALLOC_ARENA_MAX``, in the processes
    it starts (uvicorn's workers). A ``MALLOC_ARENA_MAX`` already set by the operator wins. Call it before
    the threads start: arenas already made stay."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return  # glibc read it when this process started
    os.environ["MALLOC_ARENA_MAX"] = str(arenas)
    libc = _libc()
    if libc is not None and libc.mallopt(_M_ARENA_MAX, arenas) != 1:
        log.warning("mallopt(M_ARENA_MAX, %d) failed", arenas)


def trim() -> None:
    """Give the freed heap back to the system (``malloc_trim(0)``): after a burst of rendering, so the
    resident size falls back when the worker goes idle."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
