"""The sales organisation: teams, employees with their type-2 history, and training records.

Grading, pay and team roll-ups all depend on who was where when, so the organisation is built first and every other
module asks it who owned what. It is deliberately small (about 115 people at scale 1), which is why the version
history is assembled with plain loops over employees; every large table elsewhere is vectorised.

What the data must exercise (docs/evaluation.md, docs/metrics.md):
- teams T01..Tk with a region, one Sales Manager each, a few Sales Supervisors; reps report to their team's manager;
- reps of different skill, which drives their win rates, deal sizes, activity and review scores;
- hires spread over time, including a few in the last two quarters (new_hire, ineligible) and one mid-month hire;
- a few terminations, one of them mid-month (pro-rated base salary);
- type-2 changes kept as separate versions with later `updated_at`: team moves, raises and promotions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dagster_project.extracts import BY_NAME

from .ids import USER, seq_ids, sf_ids
from .names import Namer
from .table import Table
from .timeline import DAY, END, NA, START, day, month_end, month_index, month_start, stamp_on

CITIES: tuple[tuple[str, str], ...] = (
    ("Shanghai", "East"),
    ("Beijing", "North"),
    ("Guangzhou", "South"),
    ("Chengdu", "West"),
    ("Wuhan", "Central"),
    ("Shenyang", "Northeast"),
    ("Hangzhou", "East"),
    ("Tianjin", "North"),
    ("Shenzhen", "South"),
    ("Chongqing", "Southwest"),
    ("Xi'an", "West"),
    ("Changsha", "Central"),
    ("Nanjing", "East"),
    ("Qingdao", "North"),
    ("Xiamen", "South"),
    ("Kunming", "Southwest"),
)
SURNAMES = (
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu",
    "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang", "Xie", "Song", "Tang", "Han", "Feng", "Deng", "Cao", "Peng",
)
GIVEN = (
    "Wei", "Fang", "Na", "Min", "Jing", "Lei", "Qiang", "Jun", "Yang", "Yan", "Jie", "Tao", "Ming", "Chao", "Xiu",
    "Hui", "Ping", "Gang", "Hua", "Ling", "Dan", "Bo", "Yu", "Hao", "Xin", "Kai", "Rui", "Ting", "Lin", "Peng",
    "Zhen", "Yi", "Shan", "Long", "Xue", "Qian", "Bin", "Yun", "Hong", "Li",
)
REP, SENIOR, SUPERVISOR, MANAGER = "Sales Rep", "Senior Sales Rep", "Sales Supervisor", "Sales Manager"
COURSES: tuple[tuple[str, int, str], ...] = (
    ("Consultative Selling Fundamentals", 8, ""),
    ("Advanced Negotiation", 12, ""),
    ("Core Platform Product Certification", 16, "Core Platform Certified Specialist"),
    ("Analytics Suite Deep Dive", 6, ""),
    ("CRM and Digital Tools Best Practices", 2, ""),
    ("Cloud Services Certification", 16, "Cloud Services Certified Associate"),
    ("Customer Success Workshop", 4, ""),
    ("Compliance and Business Ethics", 2, ""),
    ("Presentation and Storytelling", 6, ""),
    ("Key Account Management", 10, ""),
)


@dataclass
class Staff:
    """Employees (index = position) and teams, with the facts other modules need to assign work."""

    emp_id: np.ndarray
    user_id: np.ndarray
    level0: np.ndarray
    team0: np.ndarray
    hire: np.ndarray
    term: np.ndarray
    skill: np.ndarray
    is_rep: np.ndarray
    team_id: np.ndarray
    team_name: np.ndarray
    region: np.ndarray
    team_manager: np.ndarray
    move_emp: np.ndarray
    move_day: np.ndarray
    move_team: np.ndarray
    table: Table

    @property
    def reps(self) -> np.ndarray:
        """Employee indexes of the sales reps (the people who own accounts and are graded)."""
        return np.flatnonzero(self.is_rep)

    def active(self, emp: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Whether each employee is employed on each day."""
        t = self.term[emp]
        return (self.hire[emp] <= days) & ((t == NA) | (days <= t))

    def team_on(self, emp: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Team index of each employee on each day (type-2: the move in force then)."""
        emp = np.asarray(emp, np.int64)
        days = np.asarray(days, np.int64)
        team = self.team0[emp].copy()
        if len(self.move_emp):
            keys = self.move_emp * 1_000_000 + self.move_day
            pos = np.searchsorted(keys, emp * 1_000_000 + days, side="right") - 1
            ok = (pos >= 0) & (self.move_emp[np.maximum(pos, 0)] == emp)
            team = np.where(ok, self.move_team[np.maximum(pos, 0)], team)
        return team

    def manager_on(self, emp: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Employee index of each employee's manager on each day."""
        return self.team_manager[self.team_on(emp, days)]


def _month_starts(rng: np.random.Generator, first: str, last: str, n: int) -> np.ndarray:
    months = rng.integers(month_index(first), month_index(last) + 1, n)
    return month_start(months)


def build_staff(scale: float, rng: np.random.Generator, namer: Namer | None = None) -> Staff:
    """Draw the organisation for `scale` (100 reps at scale 1, never fewer than 20 so grading has a population)."""
    n_reps = max(20, round(100 * scale))
    n_teams = max(3, round(n_reps / 10))
    n_sup = max(1, n_teams // 3)
    n_new = max(2, round(0.05 * n_reps))
    n_mid = max(3, round(0.15 * n_reps))
    n_term = max(2, round(0.04 * n_reps))
    n_old = n_reps - n_new - n_mid

    levels = [MANAGER] * n_teams + [SUPERVISOR] * n_sup + [REP] * n_reps
    n = len(levels)
    level0 = np.array(levels, dtype=object)
    hire = np.concatenate([
        _month_starts(rng, "2012-01", "2019-12", n_teams),
        _month_starts(rng, "2014-01", "2020-12", n_sup),
        _month_starts(rng, "2015-01", "2022-10", n_old),
        _month_starts(rng, "2023-01", "2025-06", n_mid),
        # late hires: ineligible in the quarter they join; the first one joins mid-month
        np.array([day("2025-11-17")], np.int64),
        _month_starts(rng, "2025-07", "2025-10", n_new - 1),
    ])
    is_rep = np.zeros(n, bool)
    is_rep[n_teams + n_sup :] = True
    skill = np.clip(rng.normal(1.0, 0.18, n), 0.6, 1.45)
    old = np.arange(n_teams + n_sup, n_teams + n_sup + n_old)
    senior = old[rng.random(n_old) < 0.4]
    level0[senior] = SENIOR
    skill[senior] = np.minimum(skill[senior] + 0.12, 1.5)

    # order employee numbers by hire date, as HR systems issue them
    order = np.lexsort((np.arange(n), hire))
    level0, hire, is_rep, skill = level0[order], hire[order], is_rep[order], skill[order]
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    emp_id = seq_ids("E", np.arange(1, n + 1), 4)
    user_id = sf_ids(USER, np.arange(n) + 1000)

    managers = np.sort(rank[:n_teams])
    supervisors = rank[n_teams : n_teams + n_sup]
    reps = np.flatnonzero(is_rep)
    team0 = np.empty(n, np.int64)
    team0[managers] = np.arange(n_teams)
    team0[supervisors] = np.arange(n_sup) % n_teams
    team0[reps] = rng.permutation(np.arange(len(reps)) % n_teams)
    cities = [CITIES[t % len(CITIES)] for t in range(n_teams)]
    team_id = seq_ids("T", np.arange(1, n_teams + 1), 2)
    team_name = np.array(
        [f"{c} Sales" if t < len(CITIES) else f"{c} Sales {t // len(CITIES) + 1}" for t, (c, _) in enumerate(cities)],
        dtype=object,
    )
    region = np.array([r for _, r in cities], dtype=object)
    if namer is not None:  # localized names; the draws below stay the same (names.py)
        team_name = np.array([namer.team(c, 1 if t < len(CITIES) else t // len(CITIES) + 1)
                              for t, (c, _) in enumerate(cities)], dtype=object)
        region = np.array([namer.region(r) for _, r in cities], dtype=object)

    # terminations: long-tenured reps only (so they leave history behind); the first one leaves mid-month
    old_reps = reps[(hire[reps] < START) & (level0[reps] != MANAGER)]
    leavers = rng.choice(old_reps, n_term, replace=False)
    term = np.full(n, NA, np.int64)
    term[leavers[0]] = day("2025-05-15")
    term[leavers[1:]] = month_end(rng.integers(month_index("2024-03"), month_index("2025-09") + 1, n_term - 1))

    # team moves: a few long-tenured reps who stay move once, on the first of a month
    stayers = old_reps[term[old_reps] == NA]
    n_moves = min(len(stayers), max(1, round(0.08 * n_reps)))
    move_emp = np.sort(rng.choice(stayers, n_moves, replace=False))
    move_day = _month_starts(rng, "2024-01", "2025-09", n_moves)
    move_team = (team0[move_emp] + rng.integers(1, n_teams, n_moves)) % n_teams

    surname = rng.choice(np.array(SURNAMES), n)
    given = rng.choice(np.array(GIVEN), n)
    staff = Staff(
        emp_id=emp_id, user_id=user_id, level0=level0, team0=team0, hire=hire, term=term, skill=skill,
        is_rep=is_rep, team_id=team_id, team_name=team_name, region=region, team_manager=managers,
        move_emp=move_emp, move_day=move_day, move_team=move_team,
        table=None,  # type: ignore[arg-type]  # filled below, it needs the rest of the organisation
    )
    full_name = None if namer is None else namer.people(n)
    staff.table = _employee_versions(staff, surname, given, rng, full_name)
    return staff


def _employee_versions(
    staff: Staff, surname: np.ndarray, given: np.ndarray, rng: np.random.Generator, full_name: np.ndarray | None = None
) -> Table:
    """Every version of every employee row: hire, raises/promotions, team moves and termination.

    A version is in force from its `updated_at` date, so each change is stamped on the day it takes effect
    (terminations a few days before, when HR records them).
    """
    n = len(staff.emp_id)
    base = {REP: (12_000, 20_000), SENIOR: (19_000, 30_000), SUPERVISOR: (28_000, 36_000), MANAGER: (34_000, 42_000)}
    salary = np.array([rng.integers(*base[lv]) // 100 * 100 for lv in staff.level0], np.int64)
    raise_days = (day("2024-04-01"), day("2025-04-01"))
    events: list[tuple[int, int, str, int, str, int]] = []  # emp, day, level, salary, team, term
    for e in range(n):
        level, pay, team = str(staff.level0[e]), int(salary[e]), int(staff.team0[e])
        hire, term = int(staff.hire[e]), int(staff.term[e])
        changes: list[tuple[int, str]] = [(rd, "raise") for rd in raise_days if hire < rd and (term == NA or rd < term)]
        changes += [(int(d), "move") for d in staff.move_day[staff.move_emp == e]]
        if term != NA:
            changes.append((term - int(rng.integers(3, 15)), "term"))
        events.append((e, hire, level, pay, team, NA))
        recorded_term = NA  # once HR records the termination, every later version carries it
        for d, what in sorted(changes):
            if what == "raise":
                if rng.random() > 0.55:
                    continue
                factor = rng.uniform(1.03, 1.09)
                if level == REP and staff.skill[e] > 1.02 and rng.random() < 0.4:
                    level, factor = SENIOR, factor + 0.05
                pay = min(45_000, int(pay * factor) // 100 * 100)
            elif what == "move":
                team = int(staff.move_team[staff.move_emp == e][0])
            elif what == "term":
                recorded_term = term
            events.append((e, d, level, pay, team, recorded_term))
    ev_emp = np.array([x[0] for x in events], np.int64)
    ev_day = np.array([x[1] for x in events], np.int64)
    ev_team = np.array([x[4] for x in events], np.int64)
    ev_term = np.array([x[5] for x in events], np.int64)
    manager = staff.team_manager[ev_team]
    manager_id = np.where(manager == ev_emp, "", staff.emp_id[manager])
    pairs = enumerate(zip(given, surname, strict=True))
    email = np.array([f"{g.lower()}.{s.lower()}{i + 1:04d}@sales.example.com" for i, (g, s) in pairs], dtype=object)
    if full_name is None:  # the e-mail keeps the pinyin in every locale (a mailbox name is ASCII)
        full_name = np.strings.add(np.strings.add(surname.astype(str), " "), given.astype(str))
    cols = {
        "employee_id": staff.emp_id[ev_emp],
        "crm_user_id": staff.user_id[ev_emp],
        "full_name": full_name[ev_emp],
        "email": email[ev_emp],
        "team_id": staff.team_id[ev_team],
        "team_name": staff.team_name[ev_team],
        "region": staff.region[ev_team],
        "manager_employee_id": manager_id,
        "job_level": np.array([x[2] for x in events], dtype=object),
        "hire_date": staff.hire[ev_emp],
        "termination_date": ev_term,
        "base_monthly_salary": np.array([x[3] for x in events], np.int64) * 100,
        "currency": np.full(len(events), "CNY", dtype=object),
    }
    stamps = ev_day * DAY + 3600 + rng.integers(0, 1800, len(events))  # 09:00-09:30 Shanghai
    return Table(BY_NAME["hr__employee"], cols, ev_emp, stamps).finalize()


def training_table(staff: Staff, rng: np.random.Generator) -> Table:
    """Training completions: about 1.4 courses per employee per quarter while employed, mostly passed."""
    quarters = np.arange(12)
    n = len(staff.emp_id)
    counts = rng.poisson(1.4, (n, 12))
    emp = np.repeat(np.repeat(np.arange(n), 12), counts.ravel())
    q = np.repeat(np.tile(quarters, n), counts.ravel())
    q_start = month_start(month_index("2023-01") + 3 * q)
    q_len = month_start(month_index("2023-01") + 3 * q + 3) - q_start
    done = q_start + np.floor(rng.random(len(q)) * q_len).astype(np.int64)
    keep = staff.active(emp, done) & (done <= END)
    emp, done = emp[keep], done[keep]
    order = np.lexsort((emp, done))
    emp, done = emp[order], done[order]
    m = len(emp)
    course = rng.integers(0, len(COURSES), m)
    hours = np.array([c[1] for c in COURSES], np.int64)[course] * 10 + rng.choice([-10, -5, 0, 0, 0, 5, 10], m)
    hours = np.clip(hours, 20, 160)
    passed = rng.random(m) < 0.9
    cert_name = np.array([c[2] for c in COURSES], dtype=object)[course]
    certification = np.where(passed & (cert_name != "") & (rng.random(m) < 0.7), cert_name, "")
    cols = {
        "training_id": seq_ids("TR", np.arange(1, m + 1), 6),
        "employee_id": staff.emp_id[emp],
        "course_name": np.array([c[0] for c in COURSES], dtype=object)[course],
        "completed_date": done,
        "hours": hours,
        "passed": passed,
        "certification": certification.astype(object),
    }
    return Table(BY_NAME["hr__training"], cols, np.arange(m), stamp_on(done, rng), {"hours": 1}).finalize()
