"""``stacktrack demo`` and ``stacktrack sandbox serve``: click adapters over ``stacktrack.sandbox``."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from stacktrack.cli.common import handle_errors


@click.command()
@click.option("--no-tui", is_flag=True, help="Print the report instead of opening the terminal UI.")
@click.option("--json", "as_json", is_flag=True, help="Print the stacktrack.report/1 JSON.")
@click.option("--seed", type=int, default=1, show_default=True, help="Which simulated company.")
@click.option(
    "--weeks",
    type=click.IntRange(1, 52),
    default=26,
    show_default=True,
    help="Weekly runs of history.",
)
@click.option(
    "--idp", metavar="PLUGIN",
    help="The simulated identity provider: an installed plugin that can be one (default okta; "
    "see docs/sandbox.md).",
)  # fmt: skip
@click.option(
    "--dir", "directory", type=click.Path(path_type=Path, file_okay=False),
    help="Where to write the config and database (default: a demo folder in the user data dir).",
)  # fmt: skip
@click.option(
    "--open", "reopen", is_flag=True,
    help="Reopen the last demo (in --dir, else the default folder) without rebuilding it.",
)  # fmt: skip
@handle_errors
def demo(
    no_tui: bool,
    as_json: bool,
    seed: int,
    weeks: int,
    idp: str | None,
    directory: Path | None,
    reopen: bool,
) -> None:
    """Build a simulated company, run its history through the real pipeline, open the TUI.

    Everything runs in this process against the vendor emulators: no network, no credentials. The
    data is simulated; the code path (plugins, snapshot engine, store, analysis) is the real one.
    """
    import platformdirs

    from stacktrack.sandbox.demo import run_demo

    folder = directory or Path(platformdirs.user_data_dir("stacktrack")) / "demo"
    if reopen:
        _reopen(folder)
        return
    quiet = as_json or not sys.stderr.isatty()
    result = _with_progress(
        lambda on_progress: run_demo(
            folder, seed=seed, weeks=weeks, idp=idp, on_progress=on_progress
        ),
        quiet=quiet,
    )
    if not as_json:
        click.secho(result.notice, fg="yellow", err=True)
        reopen_hint = "stacktrack demo --open" + (f" --dir {directory}" if directory else "")
        click.echo(
            f"Wrote {result.config_path} and {result.db_path} ({result.runs} weekly runs). Next:\n"
            f"  {reopen_hint}    reopen this demo in the terminal UI\n"
            f"  stacktrack --config {result.config_path} --db {result.db_path} report",
            err=True,
        )
    for failure in result.failures:
        click.secho(f"warning: {failure}", fg="yellow", err=True)
    if not (as_json or no_tui) and sys.stdin.isatty() and sys.stderr.isatty():
        # The terminal UI takes the whole screen: let the commands above be read first.
        click.pause("Press any key to open the terminal UI (q quits it)…", err=True)
    if as_json or no_tui:
        _print_report(result.config_path, result.db_path, as_json=as_json)
        return
    from stacktrack.config import load_config
    from stacktrack.sandbox.demo import DemoSnapshots
    from stacktrack.tui.app import run_tui

    run_tui(
        load_config(result.config_path, db=result.db_path),
        result.db_path,
        snapshot_runner=DemoSnapshots(seed, idp=idp),  # `s`: a real snapshot, a week later
    )


def _reopen(folder: Path) -> None:
    from stacktrack.config import load_config
    from stacktrack.tui.app import run_tui

    config_path, db_path = folder / "stacktrack.toml", folder / "stacktrack.db"
    if not (config_path.is_file() and db_path.is_file()):
        raise click.UsageError(f"No demo in {folder}: run `stacktrack demo` first.")
    # The demo's sources point at emulators that only exist while `stacktrack demo` builds it:
    # browsing needs no token.
    run_tui(load_config(config_path, db=db_path, need_secrets=False), db_path)


def _with_progress(job: Any, *, quiet: bool) -> Any:
    if quiet:
        return job(lambda _done, _total, _message: None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("[bold]demo[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
        console=Console(stderr=True), transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("starting", total=None)

        def on_progress(done: int, total: int, message: str) -> None:
            progress.update(task, completed=done, total=total, description=message)

        return job(on_progress)


def _print_report(config_path: Path, db_path: Path, *, as_json: bool) -> None:
    from stacktrack.analysis.analyze import analyze
    from stacktrack.catalog import load_catalog
    from stacktrack.config import load_config
    from stacktrack.report.json_report import build_report
    from stacktrack.report.table import render_report
    from stacktrack.store import Store

    config = load_config(config_path, db=db_path, need_secrets=False)
    with Store.open(db_path) as store:
        state = store.current_state()
        analysis = analyze(config.file, state, load_catalog(), store.decisions())
    if as_json:
        document = build_report(analysis, run_id=state.run_id, generated_at=dt.datetime.now(dt.UTC))
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        render_report(analysis, state, width=shutil.get_terminal_size().columns)


@click.group()
def sandbox() -> None:
    """The vendor emulators of the simulated company, over loopback HTTP."""


@sandbox.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback)."
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="0 = any free port.",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--idp", metavar="PLUGIN",
    help="The simulated identity provider: an installed plugin that can be one (default okta).",
)  # fmt: skip
@click.option(
    "--latency-ms",
    type=click.FloatRange(0, 60_000),
    default=0,
    show_default=True,
    help="Added to every request.",
)
@click.option(
    "--rate-limit",
    metavar="SPEC",
    help="Requests per second per vendor, e.g. 'okta:10/20,slack:1/5' (rate/burst).",
)
@click.option(
    "--faults",
    metavar="SPEC",
    help="Injected faults, e.g. 'okta:500=0.2,slack:timeout=0.1' (see docs/sandbox.md).",
)
@click.option(
    "--config-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the config here.",
)
@handle_errors
def serve(
    host: str, port: int, seed: int, idp: str | None, latency_ms: float, rate_limit: str | None,
    faults: str | None, config_out: Path | None,
) -> None:  # fmt: skip
    """Serve every emulator under its own base URL until interrupted (Ctrl-C).

    Prints a ready-to-use config and the token variables to export; the data is simulated.
    """
    from stacktrack.sandbox.server import serve as run_server

    if host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("127."):
        click.secho(
            f"warning: listening on {host}, not loopback: anyone who can reach it sees the sandbox.",
            fg="yellow",
            err=True,
        )

    def ready(info: Any) -> None:
        click.echo(info.config_text)
        click.echo("# Export these, then run: stacktrack --config <the config above> snapshot")
        click.echo(info.export_lines())
        click.secho(
            f"Sandbox listening on {info.url} (simulated data). Ctrl-C to stop.",
            fg="yellow",
            err=True,
        )
        sys.stdout.flush()

    run_server(
        host, port, seed=seed, idp=idp, latency_ms=latency_ms, rate_limit=rate_limit,
        faults=faults, config_out=config_out, ready_callback=ready,
    )  # fmt: skip
