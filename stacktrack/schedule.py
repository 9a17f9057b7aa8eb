"""``stacktrack schedule``: a crontab line or systemd units that run a daily snapshot.

Absolute paths everywhere: cron and systemd start with an empty environment and another working dir.
Exit status 3 (partial) is expected now and then, so the systemd service treats it as success.
"""

from __future__ import annotations

import shlex
from pathlib import Path


def _command(executable: str, config: Path, db: Path) -> str:
    return " ".join(
        shlex.quote(part)
        for part in (executable, "--config", str(config), "--db", str(db), "snapshot")
    )


def _hour_minute(at: str) -> tuple[int, int]:
    try:
        hour, minute = (int(part) for part in at.split(":"))
    except ValueError:
        hour = minute = -1
    if not (0 <= hour < 24 and 0 <= minute < 60):
        from stacktrack.errors import UsageError

        raise UsageError(f"--at {at}: expected a time as HH:MM, e.g. 06:15.")
    return hour, minute


def cron_line(executable: str, config: Path, db: Path, at: str) -> str:
    hour, minute = _hour_minute(at)
    return (
        "# stacktrack: daily snapshot (secrets come from the environment: set them in this crontab\n"
        "# or in a file the command sources; exit 3 = some sources failed, see the log)\n"
        f"{minute} {hour} * * * {_command(executable, config, db)} >> {shlex.quote(str(db.parent / 'snapshot.log'))} 2>&1"
    )


def systemd_units(executable: str, config: Path, db: Path, at: str) -> str:
    hour, minute = _hour_minute(at)
    return f"""# ~/.config/systemd/user/stacktrack-snapshot.service
[Unit]
Description=stacktrack daily snapshot
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
# Put the source tokens (OKTA_API_TOKEN=...) in this file, mode 600:
EnvironmentFile=-%h/.config/stacktrack/env
ExecStart={_command(executable, config, db)}
# 3 = partial (some sources failed, the rest stored); 75 = another snapshot was running
SuccessExitStatus=3 75

# ~/.config/systemd/user/stacktrack-snapshot.timer
[Unit]
Description=Run the stacktrack snapshot daily

[Timer]
OnCalendar=*-*-* {hour:02d}:{minute:02d}:00
Persistent=true
RandomizedDelaySec=300

[Install]
WantedBy=timers.target

# Enable with: systemctl --user daemon-reload && systemctl --user enable --now stacktrack-snapshot.timer"""
