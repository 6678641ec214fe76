"""Progress lines for long steps: to the Dagster event log (UI) and to the `spm` logger (terminal)."""

from __future__ import annotations

import logging

import dagster as dg

terminal = logging.getLogger("spm")


def report(
    context: dg.OpExecutionContext | dg.AssetExecutionContext | None, message: str, detail: bool = False
) -> None:
    """`detail` lines (one per file, per model) show on the terminal only with `spm -v`; the UI keeps all."""
    terminal.log(logging.DEBUG if detail else logging.INFO, message)
    if context is not None:
        context.log.info(message)
