"""`python -m hoidap` is the same as the `hoidap` command."""

from hoidap.cli import app

app(prog_name="hoidap")
