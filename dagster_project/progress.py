"""Progress lines for long steps: to the Dagster event log (UI) and to the `spm` logger (terminal)."""

from __future__ import annotations

import logging

import dagster as dg

terminal = logging.getLogger("spm")


def report(context: dg.OpExecutionContext | dg.AssetExecutionContext | None, message: str) -> None:
    terminal.info(message)
    if context is not None:
        context.log.info(message)
