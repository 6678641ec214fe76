"""What `spm evaluate` and `spm pay` print about a period: the grading table's distribution, stars and PIP list, or
the month's pay by line; versions published; and what changed against the latest published version.
Reads with a read-only connection after the run."""

from __future__ import annotations

from pathlib import Path

from dagster_project import db, publish
from dagster_project.i18n import N_, texts
from dagster_project.i18n import pad as _pad
from dagster_project.settings import reader_locale

#: Why a rep is not graded (int_quarterly_evaluation's reason codes), as the grade table words them.
NOT_GRADED = {
    "too_few_graded_reps": N_("too few graded reps"),
    "no_component": N_("no score component"),
    "terminated": N_("terminated"),
    "not_sales_role": N_("not in a sales role"),
    "new_hire": N_("new hire"),
}


def render_quarter(warehouse: Path, quarter: str, published_now: bool, locale: str | None = None) -> str:
    """The grade table `spm evaluate` prints, in `locale` (default SPM_LOCALE, else English; docs/locale.md);
    the publication status below it is the operator's and stays English."""
    tx = texts(locale or reader_locale())
    _ = tx._
    spec = publish.EVALUATION
    with db.connect(warehouse) as con:
        c = spec.candidate_table
        total, graded, eligible = con.execute(
            f"select count(*), count(*) filter (where is_graded), count(*) filter (where is_eligible) from {c}"
        ).fetchone()
        lines = [_("Quarter {quarter}: {total} reps, {eligible} eligible, {graded} graded", quarter=quarter,
                   total=total, eligible=eligible, graded=graded)]
        reasons = con.execute(
            f"select coalesce(not_graded_reason, ineligible_reason), count(*) from {c} where not is_graded "
            "group by 1 order by 1"
        ).fetchall()
        if reasons:
            shown = ", ".join(f"{r if tx.locale == 'en' or r not in NOT_GRADED else _(NOT_GRADED[r])} {n}"
                              for r, n in reasons)
            lines.append("  " + _("not graded: {reasons}", reasons=shown))
        if any(r == "too_few_graded_reps" for r, _n in reasons):
            lines.append("  " + _("the quarter is not graded: fewer reps have a composite score than "
                                  "policy_grading's min_graded_reps"))
        tied = con.execute(f"select count(*) from {c} where tied_at_grade_boundary").fetchone()[0]
        if tied:
            lines.append("  " + _("{tied} reps tied across the A or C boundary after every tie-break: they share the "
                                  "better grade (tied_at_grade_boundary)", tied=tied))
        grades = dict(con.execute(f"select grade, count(*) from {c} where grade is not null group by 1").fetchall())
        lines.append("  " + _("grades: {counts}", counts="  ".join(f"{g} {grades.get(g, 0)}" for g in "ABC")))
        headings = [_("rank"), _("employee"), _("grade"), _("composite"), _("attainment"), _("team")]
        widths = [4, 8, 5, 9, 10]
        lines.append("  " + "  ".join([*(_pad(h, w, right=i in (0, 3, 4)) for i, (h, w) in
                                         enumerate(zip(headings, widths, strict=False))), headings[-1]]))
        for rank, emp, grade, score, att, team in con.execute(
            f"select rank, employee_id, grade, composite_score, attainment, team_id from {c} "
            "where is_graded and (rank <= 3 or grade = 'C') order by rank"
        ).fetchall():
            att_text = f"{tx.pct(att):>10}" if att is not None else "         -"
            lines.append(f"  {rank:>4}  {emp:<8}  {grade:^5}  {score:9.2f}  {att_text}  {team or '-'}")
        pip = con.execute(f"select count(*) filter (where pip_escalation) from {c}").fetchone()[0]
        if pip:
            lines.append("  " + _("PIP escalation (C twice in a row): {count}", count=pip))
        versions = con.execute(
            f"select version, reason, published_at, as_of_date from {spec.publications_table} "
            "where quarter = ? order by version",
            [quarter],
        ).fetchall()
        for version, reason, at, as_of in versions:
            lines.append("  " + _("version {version}: published {at} UTC, data as of {as_of}: {reason}",
                                  version=version, at=f"{at:%Y-%m-%d %H:%M}", as_of=as_of, reason=reason))
        if not published_now:
            lines.append(publish.compare_with_published(con, spec, quarter).describe())
        elif versions:
            latest = versions[-1][0]
            changes = [
                publish.FieldChange(*row)
                for row in con.execute(
                    f"select employee_id, field, old_value, new_value from {spec.diffs_table} "
                    "where quarter = ? and version = ? order by employee_id, field",
                    [quarter, latest],
                ).fetchall()
            ]
            if changes:
                lines.append(f"  changes in version {latest} against version {latest - 1}:")
                lines += [f"    {line}" for line in publish.readable_changes(changes)[:40]]
        return "\n".join(lines)


def render_pay_month(warehouse: Path, month: str, published_now: bool, locale: str | None = None) -> str:
    """Statements staged for the month, pay by line, versions, and changes against the latest version."""
    tx = texts(locale or reader_locale())
    spec = publish.PAY
    with db.connect(warehouse) as con:
        c = spec.candidate_table
        statements, lineage_missing = con.execute(
            f"select count(*) filter (where line = 'total_pay'), count(*) filter (where lineage_rows = 0) from {c}"
        ).fetchone()
        lines = [tx._("Pay statements {month}: {count} reps", month=month, count=statements)]
        for line, total in con.execute(
            f"select line, sum(amount) from {c} group by line, line_order order by line_order"
        ).fetchall():
            name = line if tx.locale == "en" else tx.label(line)
            lines.append(f"  {_pad(name, 22)}{tx.money_exact(total):>16} CNY")
        if lineage_missing:
            lines.append("  " + tx._("lines without lineage: {count}", count=lineage_missing))
        versions = con.execute(
            f"select version, reason, published_at from {spec.publications_table} where month = ? order by version",
            [spec.period_value(month)],
        ).fetchall()
        for version, reason, at in versions:
            lines.append(f"  version {version}: published {at:%Y-%m-%d %H:%M} UTC: {reason}")
        if not published_now:
            lines.append(publish.compare_with_published(con, spec, month).describe())
        return "\n".join(lines)
