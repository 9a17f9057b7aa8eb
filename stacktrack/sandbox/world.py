"""The sandbox world: a fictional company generated from a seed, seen at any instant.

``World.generate(seed)`` builds ~400 employees, their seats in the company's tools (the base stack of
``stack.py`` plus the tools participating plugins bring, ``participants.company_tools``) and every day
each of them was active in each tool. Randomness comes from the seed only (never the global
generator, never the wall clock): the employees from ``random.Random(seed)``, each tool's seats from a
generator seeded with the seed and the tool's id, so adding a tool changes no other tool.
``world.at(instant)`` answers "as of" a simulated instant (a ``WorldView``): who is employed, who holds
which seat, each seat's last activity (never after the instant) and the integrations' last use. Each
plugin's emulator turns such a view into its vendor's data (``Emulator.world_data``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from stacktrack.sandbox import stack
from stacktrack.sandbox.stack import ShadowApp
from stacktrack.testing.world import (
    AppView,
    Employee,
    FeatureSpec,
    FeatureUser,
    FeatureView,
    Link,
    LinkSpec,
    Mix,
    Seat,
    ToolSpec,
    WorldView,
)

View = WorldView
"""The name the sandbox's own modules and tests use."""

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


@dataclass
class FeatureUse:
    """One feature of one tool over the whole history: its add-on holders and every use."""

    spec: FeatureSpec
    holders: list[Assignment]
    uses: list[tuple[Employee, list[dt.datetime]]]
    """Each user with the time of every day of use, ascending."""


@dataclass
class Assignment:
    """One employee's seat in one app over time, with every day they were active in it."""

    employee: Employee
    start: dt.datetime
    end: dt.datetime | None
    days: list[int] = field(default_factory=list)
    """Active days, as day numbers from ``World.day0``, ascending."""


class World:
    """Generate with ``World.generate(seed)``; query with ``world.at(instant)``."""

    def __init__(self, seed: int, end: dt.datetime, tools: Sequence[ToolSpec] = ()) -> None:
        self.seed = seed
        self.end = end
        self.tools = tuple(tools)
        self.day0 = end - dt.timedelta(days=HISTORY_DAYS)
        self.employees: list[Employee] = []
        self.assignments: dict[str, list[Assignment]] = {}
        self.created: dict[str, dt.datetime] = {}
        self.feature_use: dict[str, list[FeatureUse]] = {}

    # -- generation ------------------------------------------------------------------------

    @classmethod
    def generate(
        cls,
        seed: int,
        *,
        end: dt.datetime | None = None,
        tools: Sequence[ToolSpec] | None = None,
    ) -> World:
        """The world of ``seed``; ``end`` (its "today") defaults to a date derived from the seed;
        ``tools`` default to the base stack plus the tools of the default sandbox's plugins.

        Worlds are read-only once built, so the last few are cached.
        """
        if end is not None and end.tzinfo is None:
            raise ValueError("end must be timezone-aware")
        if tools is None:
            from stacktrack.sandbox import participants

            tools = participants.company_tools(participants.sources_for(participants.default_idp()))
        when = end_date(seed) if end is None else end.astimezone(dt.UTC)
        key = (seed, when, repr(tuple(tools)))
        world = _CACHE.pop(key, None) or cls._build(seed, when, tools)
        _CACHE[key] = world
        while len(_CACHE) > 4:
            _CACHE.pop(next(iter(_CACHE)))
        return world

    @classmethod
    def _build(cls, seed: int, end: dt.datetime, tools: Sequence[ToolSpec]) -> World:
        world = cls(seed, end, tools)
        world._hire(random.Random(seed))
        for spec in world.tools:
            world._seat(
                _rng(seed, spec.id), spec.id, spec, spec.departments, spec.contract.start, spec.mix
            )
            world.feature_use[spec.id] = [
                world._feature(_rng(seed, f"{spec.id}:feature:{feature.key}"), spec.id, feature)
                for feature in spec.features
            ]
        for shadow in stack.SHADOW_APPS:
            world._seat(
                _rng(seed, shadow.label),
                shadow.label,
                None,
                shadow.departments,
                shadow.start,
                shadow.mix,
            )
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
        mix: Mix,
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
            share = departments.get(person.department, departments.get("*", 0.0))
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

    def _feature(self, rng: random.Random, key: str, spec: FeatureSpec) -> FeatureUse:
        """Who holds an add-on's seats, who uses the feature and on which of their active days.

        Users are the most engaged seat holders (most active days), so a feature used by a few is
        used by the tool's power users, as in real teams.
        """
        seats = self.assignments[key]
        holders: list[Assignment] = []
        pool = seats
        if spec.seats is not None:
            wanted = min(spec.assigned if spec.assigned is not None else spec.seats, len(seats))
            holders = sorted(rng.sample(seats, wanted), key=lambda seat: seat.employee.key)
            pool = holders
        ranked = sorted(
            (seat for seat in pool if seat.days),
            key=lambda seat: (-len(seat.days), seat.employee.key),
        )
        if spec.count is not None:
            chosen = ranked[: spec.count]
        else:
            chosen = [seat for seat in ranked if rng.random() < spec.share]
        last = HISTORY_DAYS - spec.stops if spec.stops is not None else HISTORY_DAYS + 1
        uses = []
        for seat in chosen:
            draw = random.Random(rng.getrandbits(64)).random
            days = [day for day in seat.days if day < last and draw() < spec.frequency]
            if days:
                times = [self.activity_time(key, seat.employee, day) for day in days]
                uses.append((seat.employee, times))
        return FeatureUse(spec, holders, uses)

    def _features(self, key: str, instant: dt.datetime) -> dict[str, FeatureView]:
        views = {}
        for use in self.feature_use.get(key, []):
            users = []
            for employee, times in use.uses:
                until = bisect.bisect_right(times, instant)
                if until:
                    users.append(FeatureUser(employee, tuple(times[:until]), use.spec.events))
            holders = [
                seat.employee
                for seat in use.holders
                if seat.start <= instant and (seat.end is None or seat.end > instant)
            ]
            views[use.spec.key] = FeatureView(
                use.spec.key, use.spec.name, use.spec, users, holders, use.spec.seats
            )
        return views

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
        specs = {spec.id: spec for spec in self.tools}
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
            links = self._links(spec.links, instant) if spec else []
            apps[key] = AppView(
                key, label, spec, current, self.created[key], links, self._features(key, instant)
            )
        return WorldView(
            instant=instant,
            company=COMPANY,
            domain=DOMAIN,
            employees=employees,
            apps=apps,
            departments=tuple(name for name, _ in stack.DEPARTMENTS),
            last_logins=_latest_by_employee(apps),
        )

    def _ago(self, days: int) -> dt.datetime:
        return self.end - dt.timedelta(days=days, hours=-2)

    def _links(self, specs: tuple[LinkSpec, ...], instant: dt.datetime) -> list[Link]:
        """The integrations that exist at ``instant``; those that track use were used hourly (the
        n-th one n times an hour) until ``stale_days`` before the end date, or until the instant."""
        links = []
        for index, spec in enumerate(specs):
            created = self._ago(spec.days)
            if created > instant:
                continue
            last: dt.datetime | None = None
            uses = 0
            if spec.tracks_use:
                last = instant - dt.timedelta(hours=1 + index)
                if spec.stale_days is not None:
                    last = min(last, self.end - dt.timedelta(days=spec.stale_days, hours=5))
                uses = max(1, int((last - created).total_seconds() // 3600)) * (index + 1)
            links.append(
                Link(spec.app, created, last, uses, spec.kind, spec.source, spec.catalog_slug)
            )
        return links

    def tool_ids(self) -> list[str]:
        return [spec.id for spec in self.tools]


_CACHE: dict[tuple[int, dt.datetime, str], World] = {}


def _rng(seed: int, key: str) -> random.Random:
    """The generator of one tool's seats: from the seed and the tool's id only (a string seed is
    hashed with SHA-512, so it does not depend on ``PYTHONHASHSEED``)."""
    return random.Random(f"{seed}:{key}")


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


def _pick(rng: random.Random, mix: Mix) -> int:
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


__all__ = [
    "COMPANY",
    "DOMAIN",
    "AppView",
    "Employee",
    "Link",
    "Seat",
    "ShadowApp",
    "View",
    "World",
    "WorldView",
]
