"""The readers' language: one translation catalogue and CLDR formatting for every text a person reads (docs/locale.md).

`SPM_LOCALE` (or `--locale`) is `en` or `zh-CN`. The English texts are the catalogue's message ids, so `en` needs no
catalogue; `zh-CN` reads `dagster_project/locale/zh_CN/LC_MESSAGES/spm.mo`, compiled from the `.po` beside it
(tests/test_locale.py fails when the `.mo` is not the `.po` compiled, or when a text of the code has no
translation). Numbers, percentages, money (with 万/亿 compact amounts in Chinese) and months are written by Babel
from CLDR data: no hand-made number formatting, so `1234.57万` and `2025年11月` are what CLDR says a Chinese reader
expects. Operators' logs and errors stay English on purpose: they are read by whoever runs the warehouse, and an
English error is what a search engine or an issue tracker finds.
"""

from __future__ import annotations

import datetime as dt
import gettext
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from markupsafe import Markup, escape

LOCALES = ("en", "zh-CN")
DEFAULT_LOCALE = "en"
"""English unless SPM_LOCALE says otherwise: the pages, statements and reports an existing deployment produces do
not change under it (and the English sample data stays byte-identical), and English is the language of the code,
the docs and the operators' messages. A Chinese organisation sets SPM_LOCALE=zh-CN once (docs/locale.md)."""
DOMAIN = "spm"
LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:
    """Marks a text for the catalogue without translating it here (it is translated where it is shown)."""
    return message


#: Codes the marts hold that a reader sees: funnel stages, aging buckets, competencies, segment types, the
#: standard lead sources, pay lines and job levels, award metrics. Shown through `Texts.label`: a code with no
#: entry (a company's own lead source, say) is data and is shown as it is.
CODE_LABELS = {
    "Prospecting": N_("Prospecting"), "Qualification": N_("Qualification"), "Needs Analysis": N_("Needs Analysis"),
    "Proposal": N_("Proposal"), "Negotiation": N_("Negotiation"), "Closed Won": N_("Closed Won"),
    "Closed Lost": N_("Closed Lost"), "not_due": N_("not due"), "1-30": N_("1-30 days"), "31-60": N_("31-60 days"),
    "61-90": N_("61-90 days"), "over_90": N_("over 90 days"), "credit_balance": N_("credit balance"),
    "digital_tools": N_("digital tools"), "knowledge_sharing": N_("knowledge sharing"),
    "product_knowledge": N_("product knowledge"), "collaboration": N_("collaboration"),
    "needs_discovery": N_("needs discovery"), "negotiation": N_("negotiation"), "customer_tier": N_("customer tier"),
    "lead_source": N_("lead source"), "unknown": N_("unknown"), "Web": N_("Web"),
    "Phone Inquiry": N_("Phone Inquiry"), "Customer Referral": N_("Customer Referral"),
    "Partner Referral": N_("Partner Referral"), "Cold Call": N_("Cold Call"), "Trade Show": N_("Trade Show"),
    "Email Campaign": N_("Email Campaign"), "bookings": N_("bookings"), "composite_score": N_("composite score"),
    "base_salary": N_("base salary"), "base_performance_pay": N_("base performance pay"),
    "performance_bonus": N_("performance bonus"), "capability_bonus": N_("capability bonus"),
    "csat_bonus": N_("CSAT bonus"), "clawback": N_("clawback"), "total_pay": N_("total pay"),
    "quarterly_ranking_bonus": N_("quarterly ranking bonus"), "annual_bonus": N_("annual bonus"),
    "team_bonus": N_("team bonus"), "special_project_award": N_("special-project award"),
    "high_value_order_reward": N_("high-value order reward"), "certification_allowance": N_("certification allowance"),
    "commission": N_("commission"),
    "Sales Rep": N_("Sales Rep"), "Senior Sales Rep": N_("Senior Sales Rep"), "Sales Manager": N_("Sales Manager"),
    "company": N_("company"), "team": N_("team"), "region": N_("region"), "product_line": N_("product line"),
}


class LocaleError(ValueError):
    """A locale the catalogue does not have; names the setting."""


def check_locale(value: str) -> str:
    """`value` if it is a supported locale (`en`, `zh-CN`; `zh_CN` and any case accepted), else LocaleError."""
    for known in LOCALES:
        if value.replace("_", "-").lower() == known.lower():
            return known
    raise LocaleError(f"SPM_LOCALE={value!r} is not one of {', '.join(LOCALES)}")


def babel_name(locale: str) -> str:
    """The CLDR / gettext spelling of a locale (`zh-CN` -> `zh_CN`)."""
    return locale.replace("-", "_")


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The catalogue of `locale`: none for English (the message ids are English), the compiled `.mo` otherwise."""
    if locale == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[babel_name(locale)])


@cache
def _pattern(pattern: str) -> babel_numbers.NumberPattern:
    """A number pattern parsed once; babel re-parses a pattern string at every call (a tenth of a dashboard's time)."""
    return babel_numbers.parse_pattern(pattern)


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class Texts:
    """Translation and formatting of one locale: `_` translates, the other methods write figures. A missing value
    (None) is written `–` in every kind: missing is not zero."""

    locale: str = DEFAULT_LOCALE
    currency: str = "CNY"

    @cached_property
    def _catalogue(self) -> gettext.NullTranslations:
        return translations(self.locale)

    @cached_property
    def cldr(self) -> Locale:
        """The parsed CLDR locale. Parsed once: babel parses a locale name on every call it is given one, which was
        the largest single cost of writing a dashboard (≈ 300 figures on each of 1,061 pages at scale 10)."""
        return Locale.parse(babel_name(self.locale))

    @property
    def html_lang(self) -> str:
        return self.locale

    def _(self, message: str, **values: Any) -> str:
        """The translation of `message`, with `{name}` placeholders filled from `values` after translating."""
        text = self._catalogue.gettext(message)
        return text.format(**values) if values else text

    def label(self, code: Any) -> str:
        """A code's reader text (CODE_LABELS), the code itself when it has none; None is `–`."""
        if code is None:
            return "–"
        text = CODE_LABELS.get(str(code))
        return str(code) if text is None else self._(text)

    def n_(self, singular: str, plural: str, count: int, **values: Any) -> str:
        text = self._catalogue.ngettext(singular, plural, count)
        return text.format(count=count, **values)

    # --- figures ---------------------------------------------------------------------------------------------------
    def money(self, value: Any) -> str:
        """A whole amount in the reporting currency; in Chinese, 万/亿 compact from 10,000 on (`¥1234.57万`)."""
        if value is None:
            return "–"
        number = _decimal(value)
        if self.locale == "zh-CN" and abs(number) >= 10_000:
            return babel_numbers.format_compact_currency(number, self.currency, locale=self.cldr, fraction_digits=2)
        return babel_numbers.format_currency(number, self.currency, format=_pattern("¤#,##0"), locale=self.cldr,
                                             currency_digits=False)

    def money_exact(self, value: Any) -> str:
        """An amount to the cent without the currency sign (statements: the column header names the currency)."""
        if value is None:
            return "–"
        return babel_numbers.format_decimal(_decimal(value), _pattern("#,##0.00"), locale=self.cldr)

    def compact(self, value: Any) -> str:
        """A plain number in the locale's compact form (`1234.57万`, `12.35M`)."""
        if value is None:
            return "–"
        return babel_numbers.format_compact_decimal(_decimal(value), locale=self.cldr, fraction_digits=2)

    def pct(self, value: Any, places: int = 1) -> str:
        if value is None:
            return "–"
        pattern = "#,##0." + "0" * places + "%" if places else "#,##0%"
        return babel_numbers.format_percent(_decimal(value), _pattern(pattern), locale=self.cldr)

    def int(self, value: Any) -> str:
        if value is None:
            return "–"
        return babel_numbers.format_decimal(round(_decimal(value)), _pattern("#,##0"), locale=self.cldr)

    def num(self, value: Any, places: int = 1) -> str:
        if value is None:
            return "–"
        return babel_numbers.format_decimal(_decimal(value), _pattern("#,##0." + "0" * places), locale=self.cldr)

    def days(self, value: Any) -> str:
        if value is None:
            return "–"
        return self._("{days} d", days=self.num(value))

    def month(self, value: dt.date) -> str:
        """`November 2025` / `2025年11月`."""
        return babel_dates.format_skeleton("yMMMM", value, locale=self.cldr)

    def date(self, value: dt.date | str | None) -> str:
        """A day: ISO in English (as the pages always showed it), `2025年11月3日` in Chinese."""
        if value is None or value == "":
            return "–"
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
        if self.locale == "en":
            return day.isoformat()
        return babel_dates.format_date(day, "long", locale=self.cldr)

    def figure(self, value: Any, kind: str) -> str:
        """The one way a figure of `kind` (money, pct, int, num, days) is written."""
        if kind == "money":
            return self.money(value)
        if kind == "pct":
            return self.pct(value)
        if kind == "int":
            return self.int(value)
        if kind == "num":
            return self.num(value)
        if kind == "days":
            return self.days(value)
        return "–" if value is None else str(value)


def columns(text: str) -> int:
    """How many terminal columns `text` takes: a CJK character is shown double-width."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded to `width` terminal columns (`columns`), so the plain-text tables of `spm evaluate`,
    `spm pay` and `spm explain-pay` line up in Chinese too."""
    fill = " " * max(width - columns(text), 0)
    return fill + text if right else text + fill


def template_translator(tx: Texts):  # type: ignore[no-untyped-def]
    """A template's `_`: the catalogue's text, with `{name}` placeholders filled after escaping, so a figure's
    markup (a Markup value) stays markup and a name from people's files stays text."""

    def _(message: str, **values: Any) -> str:
        text = tx._(message)
        return Markup(escape(text)).format(**values) if values else text

    return _


def texts(locale: str | None = None, currency: str = "CNY") -> Texts:
    """The texts of `locale` (checked), default DEFAULT_LOCALE."""
    return Texts(check_locale(locale or DEFAULT_LOCALE), currency)
