"""What the reading commands import: start-up time is imports (docs/benchmarks.md, start-up).

``report`` and the TUI validate the config with the plugins' settings models and read the database;
none of that needs the HTTP client, the event loop, a plugin's HTTP code or sqlite-utils (an
up-to-date database needs no migration). A module that pulls
httpx back onto that path (a top-level ``import httpx`` in ``plugin_api`` or a settings model)
would fail here. Each check runs the real command in a fresh interpreter and lists its modules.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stacktrack.sandbox.demo import DemoResult, run_demo

NEVER_WHILE_READING = (
    "httpx", "httpcore", "asyncio", "sqlite_utils", "stacktrack.paging", "stacktrack.http",
    "stacktrack.migrations", "platformdirs",
)  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    # network sources with a loopback ``base_url`` each: their settings run ``check_base_url``
    result = run_demo(tmp_path_factory.mktemp("demo"), seed=3, weeks=1, only=["hubspot", "slack"])
    assert result.failures == []
    return result


def _modules_after(args: list[str]) -> list[str]:
    """The modules a fresh interpreter holds after running ``stacktrack <args>`` in it."""
    code = (
        "import json, os, sys\n"
        "from stacktrack.cli import main\n"
        "sys.stdout = open(os.devnull, 'w')\n"
        f"try:\n    main({args!r})\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "sys.stdout = sys.__stdout__\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    modules: list[str] = json.loads(out.stdout)
    return modules


@pytest.mark.parametrize("command", [["report"], ["report", "--json"], ["export", "tools"]])
def test_reading_commands_import_no_http_client_and_no_event_loop(
    demo: DemoResult, command: list[str]
) -> None:
    config = ["--config", str(demo.config_path), "--db", str(demo.db_path)]
    modules = _modules_after([*config, *command])
    assert "stacktrack.analysis.analyze" in modules  # the command did its work
    assert "stacktrack_hubspot.settings" in modules  # the sources were validated
    found = [
        m for m in modules if m.split(".")[0] in NEVER_WHILE_READING or m in NEVER_WHILE_READING
    ]
    assert found == []
    assert not [m for m in modules if m.startswith("stacktrack_") and m.endswith(".plugin")]


def test_version_imports_no_config_or_models() -> None:
    modules = _modules_after(["--version"])
    assert "pydantic" not in modules and "httpx" not in modules


def test_the_plugin_api_still_offers_its_http_half_on_first_use() -> None:
    code = (
        "import json, sys\n"
        "import stacktrack.plugin_api as api\n"
        "before = 'httpx' in sys.modules\n"
        "names = {n: type(getattr(api, n)).__name__ for n in api.__all__}\n"
        "print(json.dumps([before, 'httpx' in sys.modules, names]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after, names = json.loads(out.stdout)
    assert (before, after) == (False, True)
    assert names["get_json"] == "function" and names["ClientCredentialsAuth"] == "ABCMeta"
    assert names["header_auth"] == "function" and names["Plugin"] == "ABCMeta"


def test_the_schema_names_the_store_checks_are_the_migrations() -> None:
    from stacktrack.migrations import migrations
    from stacktrack.schema import MIGRATION_NAMES, MIGRATION_SET, MIGRATIONS_TABLE

    assert {m.name for m in migrations._migrations} == MIGRATION_NAMES
    assert (migrations.name, migrations.migrations_table) == (MIGRATION_SET, MIGRATIONS_TABLE)


def test_a_database_missing_a_migration_is_still_migrated_on_open(tmp_path: Path) -> None:
    from stacktrack.store import Store

    path = tmp_path / "st.db"
    Store.open(path).close()
    with Store.open(path) as store:
        store.db.conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0007_volume'")
        store.db.conn.execute("ALTER TABLE apps DROP COLUMN volume")
        for column in ("volume_metric", "volume_used", "volume_included", "volume_utilization"):
            store.db.conn.execute(f"ALTER TABLE tool_runs DROP COLUMN {column}")
    with Store.open(path) as store:
        columns = {row[1] for row in store.db.conn.execute("PRAGMA table_info(apps)")}
        names = {row[0] for row in store.db.conn.execute("SELECT name FROM _sqlite_migrations")}
    assert "volume" in columns and "0007_volume" in names


def test_a_trusted_account_is_the_account_model_construct_makes() -> None:
    import datetime as dt

    from stacktrack.observation import Account, AccountStatus, ActivityKind, trusted

    values = {
        "id": "u1", "email": "ana@example.com", "name": "Ana", "status": AccountStatus.INVITED,
        "assigned": True, "guest": False, "activity_kind": ActivityKind.SSO,
        "last_active": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    }  # fmt: skip
    assert set(values) == set(Account.model_fields)
    made, reference = trusted(Account, dict(values)), Account.model_construct(**values)
    assert made == reference and hash(made) == hash(reference) and repr(made) == repr(reference)
    assert made.model_fields_set == reference.model_fields_set
    assert made.model_dump(mode="json") == reference.model_dump(mode="json")
    assert vars(made) == vars(reference)
    for name in ("__pydantic_extra__", "__pydantic_private__"):
        assert getattr(made, name) == getattr(reference, name)


def test_report_runs_without_the_cyclic_gc_and_turns_it_back_on(
    demo: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from click.testing import CliRunner

    from stacktrack.cli import main
    from stacktrack.report import table

    seen: list[bool] = []
    real = table.render_report

    def render(*args: object, **kwargs: object) -> None:
        seen.append(gc.isenabled())
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(table, "render_report", render)
    config = ["--config", str(demo.config_path), "--db", str(demo.db_path)]
    before = gc.isenabled()
    gc.enable()  # whatever an earlier test in this process left
    try:
        result = CliRunner().invoke(main, [*config, "report"])
        after = gc.isenabled()
    finally:
        if not before:
            gc.disable()
    assert result.exit_code == 0, result.output
    assert seen == [False]
    assert after
