"""The activity change-set lines (migration 0005): ``lines`` writes what the format describes,
and what is written reads back as the very strings stored (older relative lines included)."""

from __future__ import annotations

import pytest

from stacktrack import activity_log

NEXT = "2026-11-02T08:00:00+00:00"


def _line(old_at: str | None, old_kind: str | None, new_at: str | None, new_kind: str | None,
          app_key: str = "App 1", account_id: str = "00u42") -> str | None:  # fmt: skip
    """The line of a version with ``since_run`` 26, or ``None`` when a line cannot hold it."""
    written, refused = activity_log.lines(
        [(app_key, account_id, 26, old_at, old_kind, new_at, new_kind)]
    )
    assert len(written) + len(refused) == 1
    assert refused in ([], [(app_key, account_id)])
    return written[0] if written else None


CASES = [
    # old last_active, old kind, new last_active, new kind -> the line (since 26 = hex 1a)
    ("2026-11-01T07:59:30+00:00", "sso", NEXT, "sso", "App 1\t00u42\t1a\t=2026-11-01T07:59:30+00:00"),
    (None, None, NEXT, "sso", "App 1\t00u42\t1a\t-\t-"),
    (NEXT, "login", NEXT, "sso", "App 1\t00u42\t1a\t\tlogin"),
    ("2026-11-01T07:59:30.250000+00:00", "api", NEXT, "sso",
     "App 1\t00u42\t1a\t=2026-11-01T07:59:30.250000+00:00\tapi"),
    ("2026-11-01T07:59:30+00:00", "sso", None, None, "App 1\t00u42\t1a\t=2026-11-01T07:59:30+00:00\tsso"),
    ("yesterday", "sso", NEXT, "sso", "App 1\t00u42\t1a\t=yesterday"),
]  # fmt: skip


@pytest.mark.parametrize(("old_at", "old_kind", "new_at", "new_kind", "expected"), CASES)
def test_sqlite_writes_the_line_and_it_reads_back(
    old_at: str | None,
    old_kind: str | None,
    new_at: str | None,
    new_kind: str | None,
    expected: str,
) -> None:
    assert _line(old_at, old_kind, new_at, new_kind) == expected
    blob = activity_log.pack(["\tother\t1\t-", expected])
    found = activity_log.find(blob, "App 1", "00u42")
    assert found is not None
    since, when, kind = found
    assert since == 26
    assert activity_log.resolve(when, kind, new_at, new_kind) == (old_at, old_kind)
    assert activity_log.find(blob, "App 1", "00u4") is None  # a prefix of an id is another id


def test_what_a_line_cannot_hold_is_left_to_a_history_row() -> None:
    assert _line(None, None, NEXT, "sso", app_key="App\t1") is None
    assert _line(None, None, NEXT, "sso", account_id="x\ny") is None
    assert _line("a\tb", None, NEXT, "sso") is None
    assert _line("a\nb", "sso", "a\nb", "sso") is None  # even when the replacement's is the same
    assert _line(NEXT, "-odd", NEXT, "sso") is None
    assert _line(NEXT, "", NEXT, "sso") is None
    assert _line(NEXT, "so\to", NEXT, "sso") is None
    # a kind the replacement shares is not written, so nothing in it can break the line
    assert _line(NEXT, "-odd", "2026-11-03T08:00:00+00:00", "-odd") == f"App 1\t00u42\t1a\t={NEXT}"


@pytest.mark.parametrize(
    ("when", "old_at"),
    [
        ("15180", "2026-11-01T08:00:00+00:00"),  # 86,400 s before the next version
        ("-e10", "2026-11-02T09:00:00+00:00"),  # an hour after it
        ("u1", "2026-11-02T07:59:59.999999+00:00"),  # one microsecond before it
    ],
)
def test_relative_lines_of_the_first_0005_build_still_read(when: str, old_at: str) -> None:
    assert activity_log.resolve(when, None, NEXT, "sso") == (old_at, "sso")
