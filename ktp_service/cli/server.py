"""``ktp serve`` and ``ktp worker``: the long-running processes."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ktp_service.cli.common import settings_of, wired

# By name: uvicorn builds the app in each of its worker processes.
APP_FACTORY = "ktp_service.main:create_app"


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
    worker: Annotated[
        bool, typer.Option(help="Run the print worker and printer poll in this process.")
    ] = True,
) -> None:
    """Serve the API (OpenAPI docs at /docs)."""
    from ktp_service import memory

    memory.limit_arenas()  # before uvicorn's threads and processes start
    import uvicorn

    from ktp_service import logging_setup

    if not worker:
        # uvicorn's processes each build the app (and so its settings) from the environment.
        os.environ["KTP_RUN_WORKER"] = "false"
    logging_setup.install(settings_of(ctx).log_level)
    # log_config=None: keep the logging installed above.
    uvicorn.run(
        APP_FACTORY, factory=True, host=host, port=port, workers=workers, log_config=None, access_log=True
    )


def worker(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Option(help="Stable worker name (jobs it left are recovered on restart).")
    ] = None,
) -> None:
    """Run the print worker (production: one or more, apart from `ktp serve --no-worker`), with the printer
    status poll beside it: the poll is what notices a fault cleared at the printer."""
    import threading

    from ktp_service import logging_setup, memory

    memory.limit_arenas()  # before the worker's threads start
    logging_setup.install(settings_of(ctx).log_level)
    with wired(ctx) as wiring:
        poller = wiring.status_poller()
        polling = threading.Thread(target=poller.run, name="status-poller", daemon=True)
        polling.start()
        try:
            wiring.print_worker(name).run()
        finally:
            poller.stop()
            polling.join(timeout=10)
