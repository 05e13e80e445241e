"""`python -m tinyperf.scenario ...`: the same as `tinyperf scenario ...` (what the Snakemake rules call)."""

from __future__ import annotations

import sys

from tinyperf import cli


def main(argv: list[str] | None = None) -> int:
    """`tinyperf scenario ARGV...` (ARGV: the command line's arguments when None)."""
    return cli.main(["scenario", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
