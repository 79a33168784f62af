"""`hoidap eval` and `hoidap bench` (placeholders until the evaluation harness lands)."""

from __future__ import annotations

import typer


def eval_command() -> None:
    """Run the evaluation against a gold set."""
    typer.echo("not implemented yet")
    raise typer.Exit(2)


def bench_command() -> None:
    """Print speed and memory figures."""
    typer.echo("not implemented yet")
    raise typer.Exit(2)
