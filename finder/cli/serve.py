"""`finder serve`: the site and, beside it, the scheduler process."""

from __future__ import annotations

import click
from flask import current_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="Serve only; do not start the scheduler process.")
def serve_command(host: str, port: int, no_scheduler: bool):
    """Serve the site and, beside it, the scheduler process (both stop on Ctrl-C)."""
    import signal
    import subprocess
    import sys

    # Ctrl-C reaches both processes; a plain `kill` of this one must stop the scheduler too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    scheduler = None if no_scheduler else subprocess.Popen([sys.executable, "-m", "finder", "scheduler"])
    try:
        from werkzeug.serving import run_simple

        click.echo(f"Kindred at http://{host}:{port}/ (Ctrl-C to stop)")
        run_simple(host, port, current_app._get_current_object(), threaded=True)
    finally:
        if scheduler is not None:
            scheduler.terminate()  # SIGTERM: running jobs get their grace period, then are recorded as abandoned
            scheduler.wait(timeout=current_app.config["FINDER"].SCHEDULER_STOP_GRACE_S + 10)
