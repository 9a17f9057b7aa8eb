"""Loads and validates the TOML configuration (docs/reference.md) in two passes.

Pass one checks the file's shape (``config_models.ConfigFile``); pass two validates every source's
table with its plugin's own settings model, after resolving ``{ env = "NAME" }`` references. Errors
name the file, the key path and what was expected, and never echo a value (it might be a secret).
Called by the CLI, the TUI and the sandbox; nothing here touches the network or the database.
"""

from __future__ import annotations

import math
import os
import stat
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from stacktrack import registry
from stacktrack.config_models import ConfigFile
from stacktrack.errors import ConfigError
from stacktrack.plugin_api import AnyPlugin, PluginSettings

APP_NAME = "stacktrack"
CONFIG_FILENAME = "stacktrack.toml"
DB_FILENAME = "stacktrack.db"


@dataclass
class LoadedConfig:
    path: Path
    file: ConfigFile
    db_path: Path
    sources: dict[str, PluginSettings] = field(default_factory=dict)
    _plugins: dict[str, type[AnyPlugin]] = field(default_factory=dict, repr=False)
    _broken: dict[str, str] = field(default_factory=dict, repr=False)
    _unloaded: dict[str, str] = field(default_factory=dict, repr=False)
    """Sources validated with a settings model alone (source name -> plugin name): their plugin is
    imported on first use of ``plugins`` or ``broken_sources``, not by commands that only read."""
    missing_secrets: dict[str, str] = field(default_factory=dict)
    """Sources whose ``{ env }`` variables are unset, when loaded with ``need_secrets=False``:
    name -> reason. Reading commands (report, export, TUI) don't need them; a snapshot fails them."""
    warnings: list[str] = field(default_factory=list)

    @property
    def plugins(self) -> dict[str, type[AnyPlugin]]:
        """Each valid source's plugin class: source name -> class."""
        self._load_plugins()
        return self._plugins

    @property
    def broken_sources(self) -> dict[str, str]:
        """Sources whose plugin could not be imported: name -> reason. The snapshot fails them alone."""
        self._load_plugins()
        return self._broken

    def _load_plugins(self) -> None:
        while self._unloaded:
            name, plugin_name = self._unloaded.popitem()
            plugin = registry.load_plugin(plugin_name)
            if isinstance(plugin, registry.PluginLoadError):
                self._broken[name] = f"plugin {plugin_name!r} failed to load: {plugin.reason}"
            else:
                self._plugins[name] = plugin

    def secrets(self) -> list[str]:
        """Every secret value in the configuration, for redaction and for the secret-scan tests."""
        values: list[str] = []
        for settings in self.sources.values():
            for name in type(settings).model_fields:
                value = getattr(settings, name)
                if isinstance(value, SecretStr) and value.get_secret_value():
                    values.append(value.get_secret_value())
        return values


def default_config_path() -> Path:
    import platformdirs  # only when no --config or STACKTRACK_CONFIG names the file

    return Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILENAME


def default_db_path() -> Path:
    import platformdirs  # only when no --db, STACKTRACK_DB or [stacktrack] database names it

    return Path(platformdirs.user_data_dir(APP_NAME)) / DB_FILENAME


def find_config(explicit: Path | None = None) -> Path:
    """The config file to use: ``--config``, ``STACKTRACK_CONFIG``, ``./stacktrack.toml``, user dir."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get("STACKTRACK_CONFIG")
    if from_env:
        return Path(from_env)
    local = Path.cwd() / CONFIG_FILENAME
    if local.exists():
        return local
    user = default_config_path()
    if user.exists():
        return user
    raise ConfigError(
        f"No configuration found. Looked for --config, $STACKTRACK_CONFIG, ./{CONFIG_FILENAME} and "
        f"{user}. Run `stacktrack init` to write a starter config, or `stacktrack demo` to try "
        "stacktrack on a simulated company."
    )


def resolve_db_path(config_path: Path, file: ConfigFile, explicit: Path | None) -> Path:
    """``--db``, ``STACKTRACK_DB``, ``[stacktrack] database`` (relative to the config), user dir."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get("STACKTRACK_DB")
    if from_env:
        return Path(from_env)
    if file.stacktrack.database:
        configured = Path(file.stacktrack.database).expanduser()
        return configured if configured.is_absolute() else config_path.parent / configured
    return default_db_path()


def load_config(
    path: Path | None = None, *, db: Path | None = None, need_secrets: bool = True
) -> LoadedConfig:
    """Find, read and validate the config. ``need_secrets=False`` lets commands that only read the
    database (report, export, the TUI) run without the sources' token variables."""
    config_path = find_config(path)
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{config_path}: no such file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{config_path}: cannot read the file ({type(exc).__name__}).") from None
    text = text.removeprefix("\ufeff")  # a UTF-8 BOM, as Windows editors write it
    loaded = load_config_text(text, path=config_path, db=db, need_secrets=need_secrets)
    loaded.warnings.extend(_permission_warnings(config_path, text))
    return loaded


def load_config_text(
    text: str, *, path: Path, db: Path | None = None, need_secrets: bool = True
) -> LoadedConfig:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}.") from None
    problems = list(_out_of_range_numbers(raw, ()))
    if problems:
        raise ConfigError(f"{path}: " + (problems[0] if len(problems) == 1 else _bullets(problems)))
    try:
        file = ConfigFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_render(path, exc, ConfigFile, raw)) from None
    loaded = LoadedConfig(path=path, file=file, db_path=resolve_db_path(path, file, db))
    errors: list[str] = []
    for name, source in file.sources.items():
        _validate_source(loaded, name, source.raw, errors, need_secrets)
    if errors:
        raise ConfigError(f"{path}: " + (errors[0] if len(errors) == 1 else _bullets(errors)))
    _check_catalog_products(loaded)
    _check_feature_terms(loaded)
    _check_currencies(loaded)
    return loaded


def _validate_source(
    loaded: LoadedConfig, name: str, table: dict[str, Any], errors: list[str], need_secrets: bool
) -> None:
    plugin_name = table["plugin"]
    available = registry.plugin_names()
    if plugin_name not in available:
        hint = _did_you_mean(plugin_name, available)
        errors.append(
            f"sources.{name}.plugin: no plugin named {plugin_name!r} is installed{hint}"
            f" (installed: {', '.join(available)})."
        )
        return
    # A command that needs no secret only reads the database: the plugin's settings model is enough
    # (its HTTP code and vendor models are imported if a snapshot asks for ``loaded.plugins``).
    found = (
        registry.load_plugin(plugin_name) if need_secrets else registry.load_settings(plugin_name)
    )
    if isinstance(found, registry.PluginLoadError):
        loaded._broken[name] = f"plugin {plugin_name!r} failed to load: {found.reason}"
        loaded.warnings.append(f"sources.{name}: {loaded._broken[name]}")
        return
    plugin: type[AnyPlugin] | None = None
    settings_model: type[PluginSettings]
    if issubclass(found, PluginSettings):
        settings_model = found
    else:
        plugin, settings_model = found, found.settings_model
    unset: list[str] = []
    try:
        resolved = _resolve_env(table, f"sources.{name}", None if need_secrets else unset)
    except ConfigError as exc:
        errors.append(str(exc))
        return
    if unset:
        loaded.missing_secrets[name] = (
            "the environment variable " + " and ".join(unset) + " is not set"
        )
    for key, value in table.items():
        field_info = settings_model.model_fields.get(key)
        if (
            isinstance(value, str)
            and field_info is not None
            and "SecretStr" in str(field_info.annotation)
        ):
            loaded.warnings.append(
                f"sources.{name}.{key} is written into the file; prefer "
                f'{key} = {{ env = "NAME" }} so the secret stays out of it.'
            )
    try:
        loaded.sources[name] = settings_model.model_validate(resolved)
    except ValidationError as exc:
        errors.append(_render_lines(exc, settings_model, prefix=("sources", name)))
        return
    if plugin is None:
        loaded._unloaded[name] = plugin_name
    else:
        loaded._plugins[name] = plugin


MAX_CONFIG_INT = 2**53 - 1
"""No setting needs more; past 2**63 SQLite cannot store it and a float cannot hold it exactly."""


def _out_of_range_numbers(value: Any, loc: tuple[str, ...]) -> Iterator[str]:
    """One rule for every number in the file, plugin settings included: finite, and an integer
    within +-2**53. ``nan``/``inf`` are valid TOML but no count, cost, rate or timeout."""
    if isinstance(value, bool):
        return
    if isinstance(value, float) and not math.isfinite(value):
        yield f"{_key_path(loc)}: must be a finite number (nan and inf are not accepted)"
    elif isinstance(value, int) and abs(value) > MAX_CONFIG_INT:
        yield f"{_key_path(loc)}: {'too large' if value > 0 else 'too small'} (at most 2**53)"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _out_of_range_numbers(item, (*loc, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _out_of_range_numbers(item, (*loc, str(index)))


def _resolve_env(value: Any, where: str, unset: list[str] | None = None) -> Any:
    """Replace ``{ env = "NAME" }`` tables by the variable's value.

    A missing variable is an error, unless ``unset`` is given: then its name is recorded there and a
    placeholder stands in, so the rest of the table can still be validated.
    """
    if isinstance(value, dict):
        if set(value) == {"env"}:
            name = value["env"]
            if not isinstance(name, str) or not name:
                raise ConfigError(f'{where}: expected {{ env = "VARIABLE_NAME" }}.')
            if name not in os.environ:
                if unset is None:
                    raise ConfigError(f"{where}: the environment variable {name} is not set.")
                unset.append(name)
                return f"<unset:{name}>"
            # A token pasted from a file often ends in CR/LF: sent as is, it breaks the header and
            # ends up (escaped, so unredacted) in an httpx error. Surrounding space is never meant.
            return os.environ[name].strip()
        if "env" in value:
            raise ConfigError(f'{where}: a secret reference takes only `env`: {{ env = "NAME" }}.')
        return {key: _resolve_env(item, f"{where}.{key}", unset) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve_env(item, f"{where}[{index}]", unset) for index, item in enumerate(value)]
    return value


def _check_catalog_products(loaded: LoadedConfig) -> None:
    try:
        from stacktrack.catalog import load_catalog
    except ImportError:  # the catalog is optional for loading; the analysis needs it
        return
    catalog = load_catalog()
    for index, tool in enumerate(loaded.file.tools):
        if tool.product and catalog.get(tool.product) is None:
            hint = _did_you_mean(tool.product, catalog.close_matches(tool.product))
            loaded.warnings.append(
                f"tools[{index}].product: {tool.product!r} is not in the catalog{hint}; the tool "
                "gets only the category and capabilities it declares."
            )


def _check_feature_terms(loaded: LoadedConfig) -> None:
    """Contract ``features``, add-on ``feature`` and ``tier`` against the catalog (exit 2 on error).

    A feature must be a key of the closed vocabulary, or a vendor name the tool's catalog product
    maps to one; a tier must be one the catalog lists for the product. A tier of a product whose
    tiers the catalog does not know is only a warning: it then entitles nothing by itself.
    """
    from stacktrack.catalog import load_catalog

    catalog = load_catalog()
    errors: list[str] = []
    docs = 'docs/methodology.md, "Feature vocabulary"'
    for index, tool in enumerate(loaded.file.tools):
        contract = tool.contract
        if contract is None:
            continue
        where = f"tools[{index}].contract"
        product = catalog.get(tool.product)
        named = [(f"{where}.features[{i}]", key) for i, key in enumerate(contract.features or [])]
        named += [
            (f"{where}.addons[{i}].feature", a.feature) for i, a in enumerate(contract.addons)
        ]
        for key_path, key in named:
            if key in catalog.features or (product and product.feature_key(key)):
                continue
            hint = _did_you_mean(key, list(catalog.features))
            errors.append(f"{key_path}: {key!r} is not a feature key{hint} (the keys: {docs})")
        if contract.tier is None:
            continue
        if product is not None and product.tiers:
            if product.tier(contract.tier) is None:
                tiers = ", ".join(tier.key for tier in product.tiers)
                errors.append(
                    f"{where}.tier: {contract.tier!r} is not a {product.name} tier"
                    f"{_did_you_mean(contract.tier.casefold(), [t.key for t in product.tiers])}"
                    f" (the catalog knows: {tiers})"
                )
        elif contract.features is None:
            loaded.warnings.append(
                f"{where}.tier: the catalog lists no tiers for this tool's product, so the tier "
                f"entitles no features by itself; list them in {where}.features (keys: {docs})."
            )
    if errors:
        raise ConfigError(
            f"{loaded.path}: " + (errors[0] if len(errors) == 1 else _bullets(errors))
        )


def _check_currencies(loaded: LoadedConfig) -> None:
    general = loaded.file.stacktrack
    for index, tool in enumerate(loaded.file.tools):
        contract = tool.contract
        if contract is None or contract.currency in (None, general.currency):
            continue
        if contract.currency not in general.fx:
            raise ConfigError(
                f"{loaded.path}: tools[{index}].contract.currency: {contract.currency} has no rate "
                f"into {general.currency}; add it under [stacktrack.fx], e.g. "
                f"{contract.currency} = 1.0."
            )


_SECRET_KEYS = ("token", "secret", "password", "key")


def _permission_warnings(path: Path, text: str) -> list[str]:
    """Warn when a file others can read seems to hold a literal secret."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return []
    if not mode & (stat.S_IRGRP | stat.S_IROTH):
        return []
    suspicious = any(
        line.split("=", 1)[0].strip().strip("\"'").lower().endswith(_SECRET_KEYS)
        and line.split("=", 1)[1].strip()[:1] in ('"', "'")  # a string literal, either quoting
        for line in text.splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )
    if not suspicious:
        return []
    return [
        f"{path} is readable by other users and seems to hold a literal secret: use "
        f'{{ env = "NAME" }} references, or `chmod 600 {path}`.'
    ]


def _did_you_mean(word: str, options: list[str]) -> str:
    import difflib  # only for a config with a mistake in it

    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


def _render(path: Path, exc: ValidationError, model: type[BaseModel], raw: Any) -> str:
    return f"{path}: " + _render_lines(exc, model)


def _render_lines(
    exc: ValidationError, model: type[BaseModel], prefix: tuple[str, ...] = ()
) -> str:
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = prefix + tuple(str(part) for part in error["loc"])
        key = _key_path(loc)
        message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if error["type"] == "extra_forbidden":
            siblings = _fields_at(model, error["loc"][:-1])
            hint = _did_you_mean(str(error["loc"][-1]), siblings)
            allowed = f" Allowed keys: {', '.join(siblings)}." if siblings and not hint else ""
            message = f"unknown key{hint}.{allowed}"
        elif error["type"] == "missing":
            message = "required key is missing"
        lines.append(f"{key}: {message}" if key else message)
    return lines[0] if len(lines) == 1 else _bullets(lines)


def _key_path(loc: tuple[str, ...]) -> str:
    out = ""
    for part in loc:
        if part.isdigit():
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model found by walking ``loc`` (best effort, for suggestions)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields:
            return []
        if part not in fields:
            # a dict-valued field (sources.<name>) keeps the same value model
            continue
        annotation = fields[part].annotation
        current = _unwrap(annotation)
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else []


def _unwrap(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        inner = _unwrap(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


def _bullets(lines: list[str]) -> str:
    return f"{len(lines)} problems:\n" + "\n".join(f"  - {line}" for line in lines)
