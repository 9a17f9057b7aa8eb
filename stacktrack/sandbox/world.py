"""The sandbox world (SPEC §10): a fictional company generated from a seed, seen at any instant.

``World.generate(seed)`` builds ~400 employees, their seats in the stack of ``stack.py`` and every day
each of them was active in each tool, from one ``random.Random(seed)`` (never the global generator,
never the wall clock). ``world.at(instant)`` answers "as of" a simulated instant: who is employed, who
holds which seat, each seat's last activity (never after the instant) and the integrations' last use.
The adapters in ``adapters.py`` turn such a view into each vendor emulator's data.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import random
from dataclasses import dataclass, field
from typing import Literal

from stacktrack.sandbox import stack
from stacktrack.sandbox.stack import ShadowApp, ToolSpec

COMPANY = "Brightlane"
DOMAIN = "brightlane.example"
EPOCH = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)
"""The end dates of all worlds are spread over the four weeks from here, by seed."""
HISTORY_DAYS = 420
"""How far before the end date activity is simulated (26 weeks of runs plus a 90-day look-back)."""

_FIRST = [
    "Ada",
    "Alex",
    "Amara",
    "Ben",
    "Bea",
    "Carla",
    "Chen",
    "Dana",
    "Diego",
    "Eli",
    "Emma",
    "Farah",
    "Finn",
    "Gia",
    "Hana",
    "Ivan",
    "Iris",
    "Jon",
    "Jade",
    "Kai",
    "Kemi",
    "Leo",
    "Lina",
    "Maya",
    "Marco",
    "Nia",
    "Noor",
    "Omar",
    "Olga",
    "Priya",
    "Paul",
    "Quinn",
    "Rosa",
    "Raj",
    "Sara",
    "Sam",
    "Tara",
    "Theo",
    "Uma",
    "Vera",
    "Vik",
    "Wes",
    "Xena",
    "Yara",
    "Yusuf",
    "Zoe",
    "Zane",
    "Mila",
    "Luca",
    "Nora",
    "Hugo",
    "Ines",
    "Aria",
    "Otto",
    "Lea",
    "Ravi",
    "Sofia",
    "Tomas",
    "Elif",
]
_LAST = [
    "Abbott",
    "Baker",
    "Castro",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Silva",
    "Tanaka",
    "Umar",
    "Vargas",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zimmer",
    "Novak",
    "Laine",
    "Brennan",
    "Costa",
    "Duarte",
    "Engel",
    "Farouk",
    "Grant",
    "Hughes",
    "Ivers",
    "Joshi",
    "Keane",
    "Lindqvist",
    "Mensah",
    "Nguyen",
    "Ortiz",
    "Patel",
    "Reyes",
    "Sato",
    "Torres",
    "Ueda",
    "Vance",
    "Walsh",
    "Young",
]
_ROLES = ("Coordinator", "Specialist", "Manager", "Senior Manager", "Director", "Analyst")

# Daily chance of activity for heavy, regular, light and dormant users (weekdays; weekends x0.15).
_RATES = (0.85, 0.4, 0.07, 0.0)


@dataclass(frozen=True)
class Employee:
    key: int
    """Stable index; vendor ids are derived from it."""
    first: str
    last: str
    email: str
    department: str
    title: str
    hired: dt.datetime
    left: dt.datetime | None = None
    """From this instant on the account is suspended (the person left)."""
    never_logs_in: bool = False

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def status(self, instant: dt.datetime) -> Literal["active", "suspended", "future"]:
        if self.hired > instant:
            return "future"
        if self.left is not None and self.left <= instant:
            return "suspended"
        return "active"


@dataclass
class Assignment:
    """One employee's seat in one app over time, with every day they were active in it."""

    employee: Employee
    start: dt.datetime
    end: dt.datetime | None
    days: list[int] = field(default_factory=list)
    """Active days, as day numbers from ``World.day0``, ascending."""


@dataclass(frozen=True)
class Seat:
    """A seat as of an instant."""

    employee: Employee
    assigned_at: dt.datetime
    last_active: dt.datetime | None
    """Latest activity at or before the instant; ``None``: none on record."""
    suspended: bool


@dataclass(frozen=True)
class AppView:
    key: str
    """Tool id, or the shadow app's label."""
    label: str | None
    spec: ToolSpec | None
    seats: list[Seat]
    created: dt.datetime


@dataclass(frozen=True)
class Link:
    """An integration as of an instant: a Salesforce OAuth token, a Segment destination, a Slack app."""

    app: str
    created: dt.datetime
    last_used: dt.datetime | None
    use_count: int
    source: str | None = None
    """Segment: the source slug a destination hangs off."""
    catalog_slug: str | None = None


@dataclass(frozen=True)
class View:
    """The world as of ``instant``: what every vendor API would answer then."""

    instant: dt.datetime
    employees: list[Employee]
    """Everyone hired by the instant (leavers included: their accounts are suspended)."""
    apps: dict[str, AppView]
    salesforce_oauth: list[Link]
    segment_sources: list[Link]
    segment_destinations: list[Link]
    slack_apps: list[Link]
    bots: tuple[str, ...]

    def suspended(self, employee: Employee) -> bool:
        return employee.status(self.instant) == "suspended"

    last_logins: dict[int, dt.datetime] = field(default_factory=dict)
    """Employee key -> latest activity in any app (what an identity provider calls last login)."""

    def last_login(self, employee: Employee) -> dt.datetime | None:
        return self.last_logins.get(employee.key)


class World:
    """Generate with ``World.generate(seed)``; query with ``world.at(instant)``."""

    def __init__(self, seed: int, end: dt.datetime) -> None:
        self.seed = seed
        self.end = end
        self.day0 = end - dt.timedelta(days=HISTORY_DAYS)
        self.employees: list[Employee] = []
        self.assignments: dict[str, list[Assignment]] = {}
        self.created: dict[str, dt.datetime] = {}

    # -- generation ------------------------------------------------------------------------

    @classmethod
    def generate(cls, seed: int, *, end: dt.datetime | None = None) -> World:
        """The world of ``seed``; ``end`` (its "today") defaults to a date derived from the seed.

        Worlds are read-only once built, so the last few are cached.
        """
        if end is not None and end.tzinfo is None:
            raise ValueError("end must be timezone-aware")
        return _generate(seed, end_date(seed) if end is None else end.astimezone(dt.UTC))

    @classmethod
    def _build(cls, seed: int, end: dt.datetime) -> World:
        world = cls(seed, end)
        rng = random.Random(seed)
        world._hire(rng)
        for spec in stack.TOOLS:
            world._seat(rng, spec.id, spec, spec.departments, spec.contract.start, spec.mix)
        for shadow in stack.SHADOW_APPS:
            world._seat(rng, shadow.label, None, shadow.departments, shadow.start, shadow.mix)
        return world

    def _hire(self, rng: random.Random) -> None:
        used: set[str] = set()
        key = 0
        for department, head_count in stack.DEPARTMENTS:
            for _ in range(head_count):
                first, last = rng.choice(_FIRST), rng.choice(_LAST)
                local = f"{first}.{last}".lower()
                suffix = 2
                while local in used:
                    local = f"{first}.{last}{suffix}".lower()
                    suffix += 1
                used.add(local)
                roll = rng.random()
                if roll < 0.06:  # joined during the simulated history
                    hired = self.end - dt.timedelta(
                        days=rng.randint(3, 200), hours=rng.randint(0, 8)
                    )
                else:
                    hired = self.end - dt.timedelta(days=rng.randint(450, 2600))
                left = None
                if rng.random() < 0.05:
                    left = self.end - dt.timedelta(
                        days=rng.randint(2, 260), hours=rng.randint(0, 8)
                    )
                    if left <= hired:
                        left = None
                never = rng.random() < 0.025 or (roll < 0.06 and rng.random() < 0.3)
                title = f"{department} {rng.choice(_ROLES)}"
                if department == "Leadership":
                    title = rng.choice(("VP Marketing", "CMO", "CRO", "VP Sales", "CEO", "COO"))
                self.employees.append(
                    Employee(
                        key, first, last, f"{local}@{DOMAIN}", department, title, hired, left, never
                    )
                )
                key += 1

    def _seat(
        self,
        rng: random.Random,
        key: str,
        spec: ToolSpec | None,
        departments: dict[str, float],
        start_days: int,
        mix: tuple[float, float, float, float],
    ) -> None:
        created = self.end - dt.timedelta(days=start_days)
        self.created[key] = created
        chances = _weekly(
            _curve_by_day(spec.curve if spec else stack.FLAT, self.end, HISTORY_DAYS),
            self.day0.weekday(),
        )
        ramp = spec.ramp_days if spec else 60
        stop = HISTORY_DAYS - spec.ends if spec and spec.ends is not None else HISTORY_DAYS + 1
        seats: list[Assignment] = []
        for person in self.employees:
            share = departments.get(person.department, 0.0)
            if share <= 0 or rng.random() >= share:
                continue
            start = max(created, person.hired) + dt.timedelta(
                days=rng.randint(0, ramp) if ramp else rng.randint(0, 7)
            )
            level = 3 if person.never_logs_in else _pick(rng, mix)
            seat = Assignment(person, start, None)
            # One generator per seat, seeded from the world's: a seat's history does not depend on
            # how many random numbers other seats drew.
            seat.days = _active_days(
                random.Random(rng.getrandbits(64)),
                rate=_RATES[level],
                chances=chances,
                # Whole days strictly inside the seat's life: no activity before it was assigned
                # or after the person left, whatever the time of day.
                first=max(0, self._day(start) + 1),
                last=min(self._day(person.left) - 1 if person.left else HISTORY_DAYS, stop),
            )
            seats.append(seat)
        if spec is not None and spec.cleanup is not None:
            cleanup_day = HISTORY_DAYS - spec.cleanup
            when = self.day0 + dt.timedelta(days=cleanup_day, hours=3)
            for seat in seats:
                recent = [d for d in seat.days if cleanup_day - 60 <= d < cleanup_day]
                if seat.start < when and not recent:
                    seat.end = when
        self.assignments[key] = seats

    def _day(self, instant: dt.datetime) -> int:
        return (instant - self.day0).days

    # -- queries ---------------------------------------------------------------------------

    def activity_time(self, key: str, employee: Employee, day: int) -> dt.datetime:
        """When on ``day`` the employee was active in ``key``: a fixed time within working hours."""
        spread = (employee.key * 7919 + day * 104_729 + sum(map(ord, key)) * 31) % 36_000
        return self.day0 + dt.timedelta(days=day, hours=8, seconds=spread)

    def last_active(self, key: str, seat: Assignment, instant: dt.datetime) -> dt.datetime | None:
        day = self._day(instant)
        # Active days are ascending: walk back from the latest one not after the instant.
        index = bisect.bisect_right(seat.days, day) - 1
        while index >= 0:
            when = self.activity_time(key, seat.employee, seat.days[index])
            if when <= instant:
                return when
            index -= 1
        return None

    def at(self, instant: dt.datetime) -> View:
        """The state as of ``instant`` (aware UTC, within the simulated history)."""
        if instant.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        employees = [e for e in self.employees if e.hired <= instant]
        apps: dict[str, AppView] = {}
        specs = {spec.id: spec for spec in stack.TOOLS}
        for key, seats in self.assignments.items():
            if self.created[key] > instant:
                continue
            spec = specs.get(key)
            label = spec.sso_label if spec else key
            current = [
                Seat(
                    seat.employee,
                    seat.start,
                    self.last_active(key, seat, instant),
                    seat.employee.status(instant) == "suspended",
                )
                for seat in seats
                if seat.start <= instant and (seat.end is None or seat.end > instant)
            ]
            apps[key] = AppView(key, label, spec, current, self.created[key])
        return View(
            instant=instant,
            employees=employees,
            apps=apps,
            salesforce_oauth=self._salesforce_oauth(instant),
            segment_sources=[
                Link(name, self._ago(600 - 40 * i), None, 0, source=slug, catalog_slug=catalog)
                for i, (slug, name, catalog) in enumerate(stack.SEGMENT_SOURCES)
            ],
            segment_destinations=[
                Link(name, self._ago(days), None, 0, source=source, catalog_slug=catalog)
                for source, name, catalog, days in stack.SEGMENT_DESTINATIONS
                if self._ago(days) <= instant
            ],
            slack_apps=[
                Link(name, self._ago(days), None, 0)
                for name, days in stack.SLACK_APPS
                if self._ago(days) <= instant
            ],
            bots=stack.SLACK_BOTS,
            last_logins=_latest_by_employee(apps),
        )

    def _ago(self, days: int) -> dt.datetime:
        return self.end - dt.timedelta(days=days, hours=-2)

    def _salesforce_oauth(self, instant: dt.datetime) -> list[Link]:
        links = []
        for index, (app, stale_days) in enumerate(stack.SALESFORCE_OAUTH):
            created = self._ago(700 - 60 * index)
            if created > instant:
                continue
            last = instant - dt.timedelta(hours=1 + index)
            if stale_days is not None:
                last = min(last, self.end - dt.timedelta(days=stale_days, hours=5))
            uses = max(1, int((last - created).total_seconds() // 3600)) * (index + 1)
            links.append(Link(app, created, last, uses))
        return links

    def tool_ids(self) -> list[str]:
        return [spec.id for spec in stack.TOOLS]


@functools.lru_cache(maxsize=4)
def _generate(seed: int, end: dt.datetime) -> World:
    return World._build(seed, end)


def _latest_by_employee(apps: dict[str, AppView]) -> dict[int, dt.datetime]:
    latest: dict[int, dt.datetime] = {}
    for app in apps.values():
        for seat in app.seats:
            when = seat.last_active
            if when is not None and (
                seat.employee.key not in latest or when > latest[seat.employee.key]
            ):
                latest[seat.employee.key] = when
    return latest


def end_date(seed: int) -> dt.datetime:
    """The simulated "today" of a seed's world: a Monday 06:00 UTC within four weeks of ``EPOCH``."""
    return EPOCH + dt.timedelta(weeks=seed % 4)


def _pick(rng: random.Random, mix: tuple[float, float, float, float]) -> int:
    roll, total = rng.random(), 0.0
    for level, share in enumerate(mix):
        total += share
        if roll < total:
            return level
    return len(mix) - 1


def _curve_by_day(curve: stack.Curve, end: dt.datetime, days: int) -> list[float]:
    points = sorted(((days - before, factor) for before, factor in curve))
    values = []
    for day in range(days + 1):
        if day <= points[0][0]:
            values.append(points[0][1])
        elif day >= points[-1][0]:
            values.append(points[-1][1])
        else:
            for (x0, y0), (x1, y1) in itertools.pairwise(points):
                if x0 <= day <= x1:
                    values.append(y0 + (y1 - y0) * (day - x0) / (x1 - x0))
                    break
    return values


def _active_days(
    rng: random.Random, *, rate: float, chances: list[float], first: int, last: int
) -> list[int]:
    if rate <= 0:
        return []
    draw = rng.random
    end = min(last, len(chances) - 1) + 1
    return [day for day in range(first, end) if draw() < rate * chances[day]]


def _weekly(curve: list[float], weekday0: int) -> list[float]:
    """The curve with weekends damped (people rarely open work tools on Saturdays)."""
    return [
        factor * (0.15 if (weekday0 + day) % 7 >= 5 else 1.0) for day, factor in enumerate(curve)
    ]


__all__ = ["COMPANY", "DOMAIN", "AppView", "Employee", "Link", "Seat", "ShadowApp", "View", "World"]
