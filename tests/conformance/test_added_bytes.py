"""The bytes a component adds to its module stay within budget (issue 13,
size; benches/bench_size.py measures and explains them).

Over the 72 conformance modules, the median and the largest number of bytes
added (component size - module size) may not exceed what they were when last
measured, plus 1%: a change that grows the shim or the layout of every
component fails here, not only in the bench.  When a change shrinks them,
lower the budget with it.
"""

from __future__ import annotations

import os
import statistics

import pytest
from test_wasi_testsuite import CASES, EXPECTED_CASES
from wasi_testsuite import component_of

# Measured 2026-12-01 (bench_size.py: median 9,107, largest 11,590; they
# were 10,513 and 13,398 on 2026-11-30).
MEDIAN_BUDGET = 9_107
LARGEST_BUDGET = 11_590
SLACK = 1.01


def test_added_bytes_within_budget() -> None:
    if len(CASES) != EXPECTED_CASES:
        message = f"{len(CASES)} conformance modules found, not {EXPECTED_CASES}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    added = [len(component_of(case.wasm)) - case.wasm.stat().st_size for case in CASES]
    median, largest = statistics.median(added), max(added)
    assert median <= MEDIAN_BUDGET * SLACK, (
        f"median bytes added {median:,} (budget {MEDIAN_BUDGET:,})"
    )
    assert largest <= LARGEST_BUDGET * SLACK, (
        f"largest bytes added {largest:,} (budget {LARGEST_BUDGET:,})"
    )
