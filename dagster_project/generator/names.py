"""Names of people, teams, regions and customers in the sample data's locale (`spm generate --locale`).

`en` (the default) keeps the pinyin names the generator has always drawn, so its files stay byte-identical
(tests/fixtures/generator_sha256_*.json). `zh-CN` writes the names a Chinese sales organisation's extracts hold:
people from Faker's `zh_CN` person provider (王伟, 李静), cities and regions from a fixed table (a city keeps its
region: 上海 is in 华东), teams `<city>销售部`, customers `<city><Faker company prefix><industry word><suffix>`
(上海鼎盛科技有限公司).

Only names change: every id, amount, date and count is drawn exactly as in `en`, because the locale never touches
the generator's own random streams. Faker is seeded from its own stream (`numpy.random.default_rng([seed, 20])`),
so the same (scale, seed, locale) gives byte-identical files; Faker is pinned in pyproject.toml because its word
lists may change between releases.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Locale = Literal["en", "zh-CN"]
LOCALES: tuple[Locale, ...] = ("en", "zh-CN")

#: The English city and region names of people.py / accounts.py in Chinese.
CITY_ZH = {
    "Shanghai": "上海", "Beijing": "北京", "Guangzhou": "广州", "Chengdu": "成都", "Wuhan": "武汉", "Shenyang": "沈阳",
    "Hangzhou": "杭州", "Tianjin": "天津", "Shenzhen": "深圳", "Chongqing": "重庆", "Xi'an": "西安", "Changsha": "长沙",
    "Nanjing": "南京", "Qingdao": "青岛", "Xiamen": "厦门", "Kunming": "昆明", "Suzhou": "苏州", "Ningbo": "宁波",
    "Dongguan": "东莞", "Foshan": "佛山", "Hefei": "合肥",
}
REGION_ZH = {
    "East": "华东", "North": "华北", "South": "华南", "West": "西部", "Central": "华中", "Northeast": "东北",
    "Southwest": "西南",
}
#: The industry word of a customer's name (accounts._NAME_B) in Chinese.
KIND_ZH = {
    "Technology": "科技", "Industrial": "实业", "Trading": "贸易", "Logistics": "物流", "Medical": "医疗",
    "Electronics": "电子", "Energy": "能源", "Retail": "零售", "Holdings": "控股", "Software": "软件",
    "Materials": "材料", "Automotive": "汽车",
}
SUFFIX_ZH = {"Co., Ltd.": "有限公司", "Group Co., Ltd.": "集团有限公司", "Corporation": "股份有限公司"}


class Namer:
    """Draws the localized names; `None` of `for_locale("en")` means: keep the English names."""

    def __init__(self, rng: np.random.Generator) -> None:
        from faker import Faker  # imported only for zh-CN: `en` needs no Faker

        self._fake = Faker("zh_CN")
        self._fake.seed_instance(int(rng.integers(0, 2**63 - 1)))

    @staticmethod
    def for_locale(locale: str, rng: np.random.Generator) -> Namer | None:
        """The namer of `locale`, or None for `en`; a ValueError names the locales there are."""
        if locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r}: choose one of {', '.join(LOCALES)}")
        return None if locale == "en" else Namer(rng)

    def people(self, n: int) -> np.ndarray:
        """`n` full names, family name first without a space (张伟)."""
        return np.array([self._fake.last_name() + self._fake.first_name() for _ in range(n)], dtype=str)

    @staticmethod
    def team(city: str, number: int) -> str:
        """Team name of the team in `city` (`number` > 1 for the second team of a city)."""
        return f"{CITY_ZH[city]}销售{'' if number == 1 else _ordinal(number)}部"

    @staticmethod
    def region(region: str) -> str:
        return REGION_ZH[region]

    def customers(self, city: np.ndarray, kind: np.ndarray, suffix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(full name, short name) of each customer from the English draws of its city, industry and suffix; the
        brand word (the English `_NAME_A`) comes from Faker's company prefixes."""
        brand = [self._fake.company_prefix() for _ in range(len(city))]
        short = np.array([b + KIND_ZH[k] for b, k in zip(brand, kind, strict=True)], dtype=str)
        name = np.array(
            [CITY_ZH[c] + s + SUFFIX_ZH[x.strip()] for c, s, x in zip(city, short, suffix, strict=True)], dtype=str
        )
        return name, short


def _ordinal(number: int) -> str:
    """二, 三 ... for the second, third team of a city (at most a few per city at the scales the generator runs)."""
    digits = "零一二三四五六七八九"
    return digits[number] if number < 10 else str(number)
