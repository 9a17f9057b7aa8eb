"""Config errors: every failure mode gets its clear error, exit 2, no traceback, no echoed value."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from stacktrack.cli import main
from stacktrack.config import load_config, load_config_text
from stacktrack.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures" / "bad_configs"
BAD_CONFIGS = sorted(FIXTURES.glob("*.toml"))
REPO = Path(__file__).resolve().parent.parent


def _expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.match(r"# expect: (.+)", first)
    assert match, f"{path.name} must start with '# expect: <message fragment>'"
    return match.group(1)


def test_corpus_covers_at_least_fifteen_failure_modes() -> None:
    assert len(BAD_CONFIGS) >= 15


@pytest.mark.parametrize("path", BAD_CONFIGS, ids=lambda p: p.stem)
def test_bad_config_gets_its_clear_error(path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--config", str(path), "--db", str(tmp_path / "x.db"), "config", "validate"]
    )
    assert result.exit_code == 2, result.output
    assert _expected(path) in result.output
    assert str(path.name) in result.output or "sources." in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_errors_never_echo_values(tmp_path: Path) -> None:
    secret = os.environ["STACKTRACK_TEST_TOKEN"]
    path = tmp_path / "c.toml"
    path.write_text(f'[[tools]]\nid = "x"\nname = "X"\nowner = 5\nstandalone = "{secret}"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "tools[0].owner" in str(caught.value) and "tools[0].standalone" in str(caught.value)
    assert secret not in str(caught.value)
    path.write_text(
        f'[sources.m]\nplugin = "manual"\ntoken = {{ env = "STACKTRACK_TEST_TOKEN" }}\n'
        f'max_concurrency = "{secret}"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "sources.m.max_concurrency" in str(caught.value)
    assert secret not in str(caught.value)


def test_example_config_validates(tmp_path: Path) -> None:
    loaded = load_config(REPO / "config.example.toml", db=tmp_path / "x.db")
    assert {t.id for t in loaded.file.tools} == {"canva", "webinar", "crm"}
    assert set(loaded.plugins) == {"canva_export", "webinar_admin"}
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(REPO / "config.example.toml"),
            "--db",
            str(tmp_path / "x.db"),
            "config",
            "validate",
        ],
    )
    assert result.exit_code == 0, result.output


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = '[stacktrack]\ncurrency = "{}"\n'
    explicit, from_env, local = (
        tmp_path / n for n in ("explicit.toml", "env.toml", "stacktrack.toml")
    )
    explicit.write_text(text.format("EUR"))
    from_env.write_text(text.format("GBP"))
    local.write_text(text.format("CHF"))
    monkeypatch.chdir(tmp_path)
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "stacktrack" / "stacktrack.toml"
    user.parent.mkdir(parents=True)
    user.write_text(text.format("JPY"))
    monkeypatch.setenv("STACKTRACK_CONFIG", str(from_env))
    assert load_config(explicit).file.stacktrack.currency == "EUR"
    assert load_config().file.stacktrack.currency == "GBP"
    monkeypatch.delenv("STACKTRACK_CONFIG")
    assert load_config().file.stacktrack.currency == "CHF"
    local.unlink()
    assert load_config().file.stacktrack.currency == "JPY"
    user.unlink()
    with pytest.raises(ConfigError, match="stacktrack init"):
        load_config()


def test_db_path_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[stacktrack]\ndatabase = "data/st.db"\n')
    assert load_config(path).db_path == tmp_path / "data" / "st.db"
    monkeypatch.setenv("STACKTRACK_DB", str(tmp_path / "env.db"))
    assert load_config(path).db_path == tmp_path / "env.db"
    assert load_config(path, db=tmp_path / "flag.db").db_path == tmp_path / "flag.db"


def test_env_reference_resolves_to_secret(tmp_path: Path) -> None:
    loaded = load_config_text(
        '[sources.h]\nplugin = "csv"\npath = { env = "STACKTRACK_TEST_TOKEN" }\n',
        path=tmp_path / "c.toml",
    )
    assert loaded.sources["h"].path == os.environ["STACKTRACK_TEST_TOKEN"]  # type: ignore[attr-defined]


def test_literal_secret_in_readable_file_warns(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[sources.m]\nplugin = "manual"\ntoken = "literal-token-value"\n')
    path.chmod(0o644)
    warnings = load_config(path).warnings
    assert any("readable by other users" in w for w in warnings)
    assert all("literal-token-value" not in w for w in warnings)
    path.chmod(0o600)
    assert not any("readable by other users" in w for w in load_config(path).warnings)


def test_unknown_product_is_a_warning_with_close_matches(tmp_path: Path) -> None:
    pytest.importorskip("stacktrack.catalog")
    loaded = load_config_text(
        '[[tools]]\nid = "h"\nname = "H"\nproduct = "hubspott"\n', path=tmp_path / "c.toml"
    )
    assert any("'hubspott' is not in the catalog" in w and "hubspot" in w for w in loaded.warnings)


def test_feature_terms_accept_keys_and_mapped_vendor_names(tmp_path: Path) -> None:
    loaded = load_config_text(
        '[[tools]]\nid = "sf"\nname = "SF"\nproduct = "salesforce"\n[tools.contract]\n'
        'annual_cost = 9000\nfeatures = ["campaigns", "MarketingUser"]\n'
        '[[tools.contract.addons]]\nfeature = "Sales Cloud Einstein"\nannual_cost = 100\nseats = 5\n',
        path=tmp_path / "c.toml",
    )
    assert loaded.file.tools[0].contract.addons[0].seats == 5  # type: ignore[union-attr]
    assert not any("tier" in w for w in loaded.warnings)
    # the same vendor name on a product that does not map it is an error
    with pytest.raises(ConfigError, match="'MarketingUser' is not a feature key"):
        load_config_text(
            '[[tools]]\nid = "h"\nname = "H"\nproduct = "hubspot"\n[tools.contract]\n'
            'annual_cost = 9000\nfeatures = ["MarketingUser"]\n',
            path=tmp_path / "c.toml",
        )


def test_a_tier_the_catalog_cannot_expand_is_a_warning(tmp_path: Path) -> None:
    loaded = load_config_text(
        '[[tools]]\nid = "c"\nname = "C"\nproduct = "canva"\n[tools.contract]\n'
        'annual_cost = 900\ntier = "teams"\n',
        path=tmp_path / "c.toml",
    )
    assert any("tools[0].contract.tier" in w and "no tiers" in w for w in loaded.warnings)
    with_features = load_config_text(
        '[[tools]]\nid = "c"\nname = "C"\nproduct = "canva"\n[tools.contract]\n'
        'annual_cost = 900\ntier = "teams"\nfeatures = ["ai-image"]\n',
        path=tmp_path / "c.toml",
    )
    assert not any("tier" in w for w in with_features.warnings)
