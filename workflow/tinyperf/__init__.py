"""tinyperf: the MLPerf Tiny benchmark lifecycle, one stage per module, each with a CLI."""

from pathlib import Path

__version__ = "0.1.0"

#: Repository root when tinyperf runs from a checkout (editable install); profiles and firmware live there.
REPO_ROOT = Path(__file__).resolve().parents[2]
