"""Inline SVG charts drawn on the server: no JavaScript library, nothing to download, the same bytes every run.

Each function returns SVG markup (escaped text) sized by a viewBox, so the page scales it with CSS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

Formatter = Callable[[float | None], str]

BAR = "#3b6ea8"
WARN = "#c8553d"
GRID = "#d9dee5"
INK = "#2b2f36"


def hbars(labels: Sequence[str], values: Sequence[float | None], fmt: Formatter, *,
          highlight: Sequence[bool] = (), width: int = 420, row: int = 22) -> Markup:
    """Horizontal bars, one per label; a highlighted bar (the weakest segment, below threshold) is drawn in red."""
    label_w, value_w = 120, 80
    plot_w = width - label_w - value_w
    top = max((v for v in values if v is not None), default=0) or 1
    height = row * len(labels) + 4
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = i * row + 2
        color = WARN if i < len(highlight) and highlight[i] else BAR
        bar = 0 if value is None else max(0.0, value) / top * plot_w
        parts.append(f'<text x="{label_w - 6}" y="{y + row * 0.68:.1f}" text-anchor="end" fill="{INK}" '
                     f'font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar:.1f}" height="{row - 6}" fill="{color}"/>')
        parts.append(f'<text x="{label_w + bar + 4:.1f}" y="{y + row * 0.68:.1f}" fill="{INK}" '
                     f'font-size="12">{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(labels: Sequence[str], values: Sequence[float], *, highlight: Sequence[bool] = (),
            threshold_index: float | None = None, threshold_label: str = "", width: int = 420,
            height: int = 180) -> Markup:
    """Vertical columns (a histogram); a dashed line before column `threshold_index` marks a threshold."""
    bottom, top_pad = 24, 18
    plot_h = height - bottom - top_pad
    n = max(len(values), 1)
    slot = width / n
    top = max(values, default=0) or 1
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = value / top * plot_h
        x = i * slot + slot * 0.12
        color = WARN if i < len(highlight) and highlight[i] else BAR
        parts.append(f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{slot * 0.76:.1f}" '
                     f'height="{h:.1f}" fill="{color}"/>')
        parts.append(f'<text x="{x + slot * 0.38:.1f}" y="{top_pad + plot_h - h - 4:.1f}" text-anchor="middle" '
                     f'font-size="12" fill="{INK}">{value:g}</text>')
        parts.append(f'<text x="{x + slot * 0.38:.1f}" y="{height - 8}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">{escape(label)}</text>')
    if threshold_index is not None:
        x = threshold_index * slot
        parts.append(f'<line x1="{x:.1f}" y1="{top_pad - 6}" x2="{x:.1f}" y2="{top_pad + plot_h}" '
                     f'stroke="{WARN}" stroke-dasharray="4 3" stroke-width="1.5"/>')
        parts.append(f'<text x="{x + 4:.1f}" y="{top_pad - 6}" font-size="11" fill="{WARN}">'
                     f'{escape(threshold_label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _extremes(high: str, low: str) -> str:
    return f"max {high} · min {low}"


def line(labels: Sequence[str], values: Sequence[float | None], fmt: Formatter, *, width: int = 420,
         height: int = 150, extremes: Callable[[str, str], str] = _extremes) -> Markup:
    """A line over months; gaps (None) break the line. `extremes` words the max/min caption (the reader's
    language: dashboard/render.py passes the catalogue's)."""
    left, bottom, top_pad = 8, 22, 16
    plot_w, plot_h = width - 2 * left, height - bottom - top_pad
    known = [v for v in values if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    span = (high - low) or 1
    step = plot_w / max(len(values) - 1, 1)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - left}" y2="{top_pad + plot_h}" '
             f'stroke="{GRID}"/>']
    segment: list[str] = []
    for i, value in enumerate(values):
        if value is None:
            if len(segment) > 1:
                parts.append(f'<polyline fill="none" stroke="{BAR}" stroke-width="2" points="{" ".join(segment)}"/>')
            segment = []
            continue
        x, y = left + i * step, top_pad + plot_h - (value - low) / span * plot_h
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{BAR}"><title>{escape(labels[i])}: '
                     f'{escape(fmt(value))}</title></circle>')
    if len(segment) > 1:
        parts.append(f'<polyline fill="none" stroke="{BAR}" stroke-width="2" points="{" ".join(segment)}"/>')
    for i in (0, len(labels) - 1):
        if labels:
            anchor = "start" if i == 0 else "end"
            parts.append(f'<text x="{left + i * step:.1f}" y="{height - 6}" text-anchor="{anchor}" font-size="11" '
                         f'fill="{INK}">{escape(labels[i])}</text>')
    if known:
        parts.append(f'<text x="{width - left}" y="{top_pad - 4}" text-anchor="end" font-size="11" fill="{INK}">'
                     f'{escape(extremes(fmt(high), fmt(low)))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
