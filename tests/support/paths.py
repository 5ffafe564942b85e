"""Where the tests find their data: the real activity corpus ships in the repository
(`tests/corpus/`, with its PROVENANCE.md); `STRAINWATCH_CORPUS` points elsewhere if wanted."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("STRAINWATCH_CORPUS", REPO / "tests" / "corpus")).resolve()
EXAMPLE = REPO / "examples"
EXAMPLE_LAST_RUN = datetime(2021, 7, 4, 13, tzinfo=UTC)  # the example year's last run ends before this
