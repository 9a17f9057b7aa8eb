"""The command line (docs/reference.md): thin click commands over the modules that do the work.

Each command turns our errors into one clear message and the documented exit status: 0 ok, 2 usage or
config error, 3 partial snapshot, 4 every source failed, 75 another snapshot running, 1 a bug (the
traceback goes to a crash file, redacted, never to the terminal).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click_default_group import DefaultGroup

from stacktrack.cli.common import EXIT_USAGE, handle_errors, register_secrets
from stacktrack.errors import UsageError
from stacktrack.files import require_regular_target
from stacktrack.gc_pause import gc_paused


class Context:
    def __init__(self, config: Path | None, db: Path | None, verbose: int) -> None:
        self.config_path = config
        self.db_path = db
        self.verbose = verbose

    def load(self, *, need_secrets: bool = True):  # type: ignore[no-untyped-def]
        from stacktrack.config import load_config

        loaded = load_config(self.config_path, db=self.db_path, need_secrets=need_secrets)
        register_secrets(loaded.secrets())
        _setup_logging(self.verbose, loaded.secrets())
        for warning in loaded.warnings:
            click.secho(f"warning: {warning}", fg="yellow", err=True)
        return loaded


def _setup_logging(verbose: int, secrets: list[str]) -> None:
    from stacktrack.redaction import RedactingFilter

    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter(secrets))
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; keep it for -vv only.
    logging.getLogger("httpx").setLevel(logging.INFO if verbose > 1 else logging.WARNING)
    # stamina warns on every retry; a retry that then succeeds is no news for a cron mail, so
    # those warnings show only on a terminal or with -v (a source that finally fails still says so).
    quiet = verbose == 0 and not sys.stderr.isatty()
    logging.getLogger("stamina").setLevel(logging.ERROR if quiet else logging.WARNING)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``, as ``click.version_option`` prints it, reading the metadata only when asked."""
    if not value or ctx.resilient_parsing:
        return
    from stacktrack import __version__

    click.echo(f"stacktrack, version {__version__}", color=ctx.color)
    ctx.exit()


@click.group(cls=DefaultGroup, default="tui", default_if_no_args=True, invoke_without_command=True)
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="STACKTRACK_CONFIG",
    help="Config file (default: $STACKTRACK_CONFIG, ./stacktrack.toml, then the user config dir).",
)
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="STACKTRACK_DB",
    help="SQLite database (default: $STACKTRACK_DB, [stacktrack] database, the user data dir).",
)
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for HTTP requests).")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
@click.pass_context
def main(ctx: click.Context, config: Path | None, db: Path | None, verbose: int) -> None:
    """stacktrack: which SaaS tools your marketing team really uses, and what to cut before renewal.

    \b
    Start here:
      stacktrack demo            see it work on a simulated company (no credentials needed)
      stacktrack init            write a starter config
      stacktrack snapshot        query your sources and store a run (cron-safe)
      stacktrack report          figures per tool and the recommendations
      stacktrack                 open the terminal UI
    """
    ctx.obj = Context(config, db, verbose)
    if ctx.invoked_subcommand is None:  # `stacktrack --config X --db Y` alone opens the TUI too
        ctx.invoke(tui)


# -- snapshot ---------------------------------------------------------------------------------


@main.command()
@click.option(
    "--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_obj
@handle_errors
def snapshot(obj: Context, sources: tuple[str, ...], as_json: bool) -> None:
    """Query every source concurrently and store one run.

    Safe from cron: quiet unless stdout is a terminal, one snapshot per database at a time (exit 75
    if another runs). Exit 0 when every source was stored, 3 when some failed, 4 when all failed.
    """
    import asyncio

    from stacktrack.progress import snapshot_progress
    from stacktrack.snapshot import run_snapshot

    config = obj.load()
    show = sys.stderr.isatty() and not as_json
    with snapshot_progress(enabled=show) as on_event:
        summary = asyncio.run(run_snapshot(config, only=list(sources) or None, on_event=on_event))
    if as_json:
        click.echo(json.dumps(summary.to_json(), indent=2))
    else:
        _print_summary(summary, verbose=show)
    sys.exit(summary.exit_code)


def _print_summary(summary: Any, *, verbose: bool) -> None:
    failed = [o for o in summary.sources if o.status == "failed"]
    for outcome in failed:
        click.secho(f"{outcome.source}: failed: {outcome.error}", fg="red", err=True)
    for outcome in summary.sources:
        for note in outcome.notes:
            click.secho(f"{outcome.source}: {note}", fg="yellow", err=True)
    if verbose or failed:
        stored = len(summary.sources) - len(failed)
        click.echo(
            f"Run {summary.run_id}: {stored} of {len(summary.sources)} sources stored.", err=True
        )


# -- report and export ----------------------------------------------------------------------


def _without_gc(command: Callable[..., None]) -> Callable[..., None]:
    """A reading command runs without the cyclic GC: it makes no reference cycles worth freeing
    before it exits, and the collector's passes over the modules it imports and the thousands of
    rows it reads were 1.3% of ``report``'s instructions (docs/benchmarks.md). The GC is back on
    after it, for callers in the same process (tests)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        with gc_paused():
            command(*args, **kwargs)

    return wrapper


def _analysis(obj: Context) -> tuple[Any, Any, Any]:
    from stacktrack.analysis.analyze import analyze
    from stacktrack.catalog import load_catalog
    from stacktrack.store import Store

    config = obj.load(need_secrets=False)  # reading the database needs no vendor token
    if not config.db_path.exists():
        raise UsageError(
            f"no database at {config.db_path} yet: run `stacktrack snapshot` first "
            "(or `stacktrack demo` to try it on simulated data)."
        )
    with Store.open(config.db_path) as store:
        state = store.current_state()
        rec_states = store.decisions()
    if state.run_id is None:
        raise UsageError(f"{config.db_path} holds no run yet: run `stacktrack snapshot` first.")
    analysis = analyze(config.file, state, load_catalog(), rec_states)
    return config, state, analysis


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the stacktrack.report/1 JSON object.")
@click.pass_obj
@handle_errors
@_without_gc
def report(obj: Context, as_json: bool) -> None:
    """Latest figures per tool, totals, and the recommendations."""
    from stacktrack.report.json_report import build_report

    _config, state, analysis = _analysis(obj)
    if as_json:
        document = build_report(analysis, run_id=state.run_id, generated_at=dt.datetime.now(dt.UTC))
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    from stacktrack.report.table import render_report

    render_report(analysis, state, width=shutil.get_terminal_size().columns)


@main.group()
def export() -> None:
    """Write the recommendations, per-tool figures, the notice calendar or the decision brief."""


@export.command("recommendations")
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - for stdout.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.pass_obj
@handle_errors
@_without_gc
def export_recommendations(obj: Context, output: str, fmt: str) -> None:
    """The recommendations (docs/reference.md CSV columns), earliest deadline first."""
    from stacktrack.report import export as exporter

    config, _state, analysis = _analysis(obj)
    currency = config.file.stacktrack.currency

    def write(stream: Any) -> None:
        if fmt == "csv":
            exporter.write_recommendations_csv(
                analysis.recommendations, analysis.tools, currency, stream
            )
        else:
            exporter.write_recommendations_json(
                analysis.recommendations, analysis.tools, currency, stream
            )

    _write_output(output, write)


@export.command("tools")
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - for stdout.")
@click.pass_obj
@handle_errors
@_without_gc
def export_tools(obj: Context, output: str) -> None:
    """Per-tool figures as CSV."""
    from stacktrack.report import export as exporter

    config, _state, analysis = _analysis(obj)
    currency = config.file.stacktrack.currency
    _write_output(output, lambda stream: exporter.write_tools_csv(analysis.tools, currency, stream))


@export.command("calendar")
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - for stdout.")
@click.pass_obj
@handle_errors
@_without_gc
def export_calendar(obj: Context, output: str) -> None:
    """Notice deadlines as an iCalendar (.ics) file: one event per tool with money at stake."""
    from stacktrack.report.calendar import write_calendar

    _config, _state, analysis = _analysis(obj)
    now = dt.datetime.now(dt.UTC)

    def write(stream: Any) -> None:
        write_calendar(analysis, stream, generated_at=now)

    _write_output(output, write)


@export.command("report")
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - for stdout.")
@click.option(
    "--format", "fmt", type=click.Choice(["html", "md"]), default="html", show_default=True
)
@click.pass_obj
@handle_errors
@_without_gc
def export_report(obj: Context, output: str, fmt: str) -> None:
    """The decision brief for the CMO and finance: one self-contained HTML page, or Markdown."""
    from stacktrack.report.brief import build_brief
    from stacktrack.report.brief_html import render_html
    from stacktrack.report.brief_md import render_markdown

    _config, _state, analysis = _analysis(obj)
    brief = build_brief(analysis, generated_at=dt.datetime.now(dt.UTC))
    text = render_html(brief) if fmt == "html" else render_markdown(brief)
    _write_output(output, lambda stream: stream.write(text))


def _write_output(output: str, write: Callable[[Any], None]) -> None:
    from stacktrack.report.export import atomic_write

    if output == "-":
        sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]  # CSV writes its own CRLF
        write(sys.stdout)
        return
    target = Path(output).expanduser()
    require_regular_target(target, "-o")  # only a regular file or stdout, never a link or device
    if not target.parent.is_dir():
        raise UsageError(f"-o {output}: the folder {target.parent} does not exist.")
    try:
        atomic_write(target, write)
    except OSError as exc:
        raise UsageError(f"-o {output}: cannot write the file ({exc.strerror}).") from None
    click.echo(f"Wrote {target}", err=True)


# -- decisions --------------------------------------------------------------------------------

_DECISIONS = {"accept": "accepted", "dismiss": "dismissed", "reopen": "open"}


@main.command()
@click.argument("rec_id", metavar="ID")
@click.argument("decision", type=click.Choice(sorted(_DECISIONS)))
@click.option("--note", help="Why; kept with the decision and written into every export.")
@click.option("--by", "by", metavar="NAME", help="Who decided (default: your OS user name).")
@click.pass_obj
@handle_errors
def decide(obj: Context, rec_id: str, decision: str, note: str | None, by: str | None) -> None:
    """Accept, dismiss or reopen a recommendation (ID as in the report; a unique prefix will do).

    The decision is kept across runs (ids are stable) and appears in the CSV, JSON and brief.
    """
    from stacktrack.store import Store

    config, _state, analysis = _analysis(obj)
    matches = [rec for rec in analysis.recommendations if rec.id.startswith(rec_id)]
    exact = [rec for rec in matches if rec.id == rec_id]
    if len(exact) == 1 or len(matches) == 1:
        rec = (exact or matches)[0]
    elif matches:
        raise UsageError(
            f"{rec_id} matches {len(matches)} recommendations ("
            + ", ".join(r.id for r in matches)
            + "); give more of the id."
        )
    else:
        raise UsageError(
            f"no recommendation {rec_id} in the latest run; `stacktrack report` lists the ids."
        )
    with Store.open(config.db_path) as store:
        recorded = store.set_decision(rec.id, _DECISIONS[decision], note=note, by=by)
    tools = analysis.tools_by_id()
    what = f"{rec.action.replace('_', ' ')} {tools[rec.tool_id].name}"
    if rec.target_tool_id:
        what += f" into {tools[rec.target_tool_id].name}"
    word = {"accepted": "Accepted", "dismissed": "Dismissed", "open": "Reopened"}[recorded.status]
    who = f" by {recorded.decided_by}" if recorded.decided_by else ""
    click.echo(f"{word} {rec.id} ({what}){who}.")
    if recorded.note:
        click.echo(f"  note: {recorded.note}")


# -- setup ------------------------------------------------------------------------------------


@main.command()
@click.option("--path", type=click.Path(path_type=Path, dir_okay=False), help="Where to write it.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_obj
@handle_errors
def init(obj: Context, path: Path | None, force: bool) -> None:
    """Write a starter config (default: ./stacktrack.toml)."""
    from stacktrack.starter import STARTER_CONFIG

    target = path or obj.config_path or Path("stacktrack.toml")
    if os.path.lexists(target) and not force:  # lexists: a dangling symlink counts as there
        raise UsageError(f"{target} already exists; pass --force to overwrite it.")
    require_regular_target(target, "--path")  # never write through a symlink, FIFO or device
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if force else os.O_EXCL)
    try:
        with open(os.open(target, flags, 0o600), "w", encoding="utf-8") as handle:  # noqa: PTH123
            handle.write(STARTER_CONFIG)
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the starter config ({exc.strerror}).") from None
    target.chmod(0o600)  # --force over an existing file keeps no wider mode
    click.echo(f"Wrote {target}. Edit it, then run `stacktrack config validate`.")


@main.group("config")
def config_group() -> None:
    """Check the configuration."""


@config_group.command("validate")
@click.pass_obj
@handle_errors
def config_validate(obj: Context) -> None:
    """Validate the config and explain what it will do."""
    import asyncio

    from stacktrack.local_check import check_local_sources

    config = obj.load()
    problems = asyncio.run(check_local_sources(config))
    if config.broken_sources or problems:
        for name, reason in {**config.broken_sources, **problems}.items():
            click.secho(f"Error: sources.{name}: {reason}", fg="red", err=True)
        sys.exit(EXIT_USAGE)
    file = config.file
    click.echo(f"{config.path}: valid.")
    click.echo(f"  database: {config.db_path}")
    click.echo(f"  reporting currency: {file.stacktrack.currency}")
    for name, settings in config.sources.items():
        click.echo(f"  source {name}: plugin {settings.plugin}")
    for tool in file.tools:
        sources = ", ".join(tool.sources) or "no source (contract only; usage unknown)"
        click.echo(f"  tool {tool.id}: {tool.name} <- {sources}")


@main.command()
@handle_errors
def plugins() -> None:
    """Installed plugins and what each can observe."""
    from stacktrack import registry

    for name, loaded in registry.load_all().items():
        if isinstance(loaded, registry.PluginLoadError):
            click.secho(f"{name:18} failed to load: {loaded.reason}", fg="red")
            continue
        observes = ", ".join(sorted(c.value for c in loaded.observes)) or "nothing"
        kind = "directory (many apps)" if loaded.reports_many_apps else "one tool"
        click.echo(f"{name:18} {loaded.title}: {kind}; observes {observes}")


@main.command()
@click.option("--cron", "mode", flag_value="cron", default=True, help="A crontab line (default).")
@click.option("--systemd", "mode", flag_value="systemd", help="A systemd service and timer.")
@click.option("--at", "at", default="06:15", show_default=True, help="Daily time, HH:MM.")
@click.pass_obj
@handle_errors
def schedule(obj: Context, mode: str, at: str) -> None:
    """Print a ready crontab line or systemd units for a daily snapshot."""
    from stacktrack.schedule import cron_line, systemd_units

    config = obj.load()
    executable = shutil.which("stacktrack") or sys.argv[0]
    executable = str(Path(executable).resolve())
    if mode == "cron":
        click.echo(cron_line(executable, config.path.resolve(), config.db_path.resolve(), at))
    else:
        click.echo(systemd_units(executable, config.path.resolve(), config.db_path.resolve(), at))


# -- TUI, demo, sandbox -------------------------------------------------------------------------


@main.command()
@click.pass_obj
@handle_errors
@_without_gc
def tui(obj: Context) -> None:
    """Open the terminal UI (the default command)."""
    # No cyclic GC through the imports and the config load: its passes over the modules just
    # imported cost 50-100 ms before the first paint under load (docs/benchmarks.md). run_tui
    # turns it back on shortly after the first paint; _without_gc when the command ends (a
    # config error included), for callers in the same process.
    from stacktrack.config import default_db_path
    from stacktrack.errors import ConfigError
    from stacktrack.tui.app import run_tui

    try:
        config = obj.load(need_secrets=False)  # browsing needs no token; a snapshot names the unset
    except ConfigError as exc:
        if obj.config_path is not None or "No configuration found" not in str(exc):
            raise
        config = None  # no config yet: the TUI shows how to start
    db_path = config.db_path if config else (obj.db_path or default_db_path())
    run_tui(config, db_path)


from stacktrack.cli.sandbox import demo, sandbox  # noqa: E402  (commands live in their own module)

main.add_command(demo)
main.add_command(sandbox)
