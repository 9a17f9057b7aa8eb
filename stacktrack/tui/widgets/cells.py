"""How figures look in a cell: money, utilization bars, dates, freshness. Unknown is never 0."""

from __future__ import annotations

import datetime as dt

from rich.text import Text

UNKNOWN = Text("unknown", style="dim italic")
NONE = Text("—", style="dim")

VERDICT_STYLES = {
    "keep": "green",
    "right-size": "yellow",
    "consolidate": "cyan",
    "integrate-or-retire": "magenta",
    "retire": "bold red",
    "downgrade": "blue",
    "needs data": "dim italic",
}
STATUS_STYLES = {"connected": "green", "isolated": "bold red", "unknown": "dim"}
_BLOCKS = " ▏▎▍▌▋▊▉█"
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def symbol(currency: str) -> str:
    """``$`` for USD; an unknown currency shows its code."""
    return SYMBOLS.get(currency, currency + " ")


def money(
    value: float | None, currency: str = "", *, unknown: Text = UNKNOWN, compact: bool = False
) -> Text:
    """``$12,345``; ``compact`` gives ``$12.3k`` / ``$1.2M`` for narrow terminals."""
    if value is None:
        return unknown.copy()
    sign = SYMBOLS.get(currency, "")
    if compact and abs(value) >= 10_000:
        number = f"{value / 1e6:.1f}M" if abs(value) >= 1e6 else f"{value / 1e3:.1f}k"
    else:
        number = f"{value:,.0f}"
    text = f"{sign}{number}" if sign else f"{number} {currency}".strip()
    return Text(text, justify="right")


def count(value: int | None) -> Text:
    return UNKNOWN.copy() if value is None else Text(f"{value:,}", justify="right")


def utilization_bar(value: float | None, width: int = 8) -> Text:
    """``█████▌   56%``: eighths of a cell; over-deployment (>100%) shows full and the real figure."""
    if value is None:
        return UNKNOWN.copy()
    eighths = round(min(max(value, 0.0), 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_BLOCKS[part] if part else "")
    style = "red" if value < 0.5 else "yellow" if value < 0.8 else "green"
    if value > 1:
        style = "magenta"
    text = Text(bar.ljust(width), style=style)
    text.append(f" {value * 100:4.0f}%")
    return text


SHORT_VERDICTS = {"integrate-or-retire": "integ/retire"}


def verdict(word: str, *, compact: bool = False) -> Text:
    shown = SHORT_VERDICTS.get(word, word) if compact else word
    return Text(shown, style=VERDICT_STYLES.get(word, ""))


def features(fraction: str | None) -> Text:
    """``3 / 9`` paid features used of those measured; ``—`` when unknown."""
    return NONE.copy() if fraction is None else Text(fraction, justify="right")


def integration(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


def date(value: dt.date | None) -> Text:
    return NONE.copy() if value is None else Text(value.isoformat())


def deadline(value: dt.date | None, today: dt.date | None) -> Text:
    """The date, red when it has passed or is within 30 days, yellow within 90."""
    if value is None:
        return NONE.copy()
    style = ""
    if today is not None:
        days = (value - today).days
        style = "bold red" if days <= 30 else "yellow" if days <= 90 else ""
    return Text(value.isoformat(), style=style)


def freshness(stale_days: int | None, failed: bool, stale: bool = False) -> Text:
    """``current`` / ``3d old``; ``⚠`` when a source failed (its last good data is shown), red and
    ``stale`` when the analysis flags the data ``stale_data``."""
    if stale_days is None:
        return Text("no data", style="dim italic")
    label = "current" if stale_days == 0 else f"{stale_days}d old"
    if stale:
        return Text(f"⚠ {label}, stale", style="bold red")
    if failed:
        return Text(f"⚠ {label}", style="yellow")
    return Text(label, style="green" if stale_days == 0 else "yellow")


def when(value: dt.datetime | None, *, never: str = "never") -> Text:
    if value is None:
        return Text(never, style="dim italic")
    return Text(value.strftime("%Y-%m-%d %H:%M"))


def ago(value: dt.datetime | None, now: dt.datetime) -> str:
    """Whole days (or hours) between ``value`` and the injected clock ``now``."""
    if value is None:
        return "never"
    seconds = (now - value).total_seconds()
    if seconds < 3600:
        return "just now"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


FLAG_LABELS = {
    "pilot_theatre": "pilot theatre",
    "low_utilization": "low utilization",
    "over_deployed": "over-deployed",
    "renewal_soon": "renewal soon",
    "overdue": "notice overdue",
    "no_usage_data": "no usage data",
    "stale_integration": "stale integration",
    "stale_data": "stale data",
}


def flag(name: str) -> str:
    """A flag in words (``pilot_theatre`` -> ``pilot theatre``); unknown flags are de-snaked."""
    return FLAG_LABELS.get(name, name.replace("_", " "))


_MONEY_WORDS = ("cost", "price", "savings", "spend")
_RATIO_WORDS = ("utilization", "coverage", "overlap")


def figure(key: str, value: object, currency: str = "") -> str:
    """One evidence value in words: money with its currency, ratios as percent, lists joined."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) if value else "none"
    if isinstance(value, int | float):
        if any(word in key for word in _MONEY_WORDS):
            return money(float(value), currency).plain
        if any(word in key for word in _RATIO_WORDS):
            return f"{value * 100:.0f}%"
        if key.endswith("_days"):
            return f"{value:g} days"
        return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
    return str(value)


def evidence(items: dict[str, object], currency: str = "") -> Text:
    """``label value · label value …``: the figures behind a recommendation, labelled."""
    text = Text()
    for index, (key, value) in enumerate(items.items()):
        if index:
            text.append(" · ", style="dim")
        label = (key[:-5] if key.endswith("_days") else key).replace("_", " ")
        text.append(f"{label} ", style="dim")
        text.append(figure(key, value, currency))
    return text
