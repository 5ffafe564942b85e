"""Dates, numbers and durations of a Strava export's activities.csv, in its languages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from strainwatch.sources.files.export_values import parse_export_date, parse_number, parse_seconds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan 10, 2021, 8:54:28 AM", datetime(2021, 1, 10, 8, 54, 28, tzinfo=UTC)),
        ("May 29, 2022, 3:53:35 PM", datetime(2022, 5, 29, 15, 53, 35, tzinfo=UTC)),
        ("Dec 1, 2022, 12:05:00 AM", datetime(2022, 12, 1, 0, 5, tzinfo=UTC)),
        ("30.05.2022, 18:53:35", datetime(2022, 5, 30, 18, 53, 35, tzinfo=UTC)),
        ("5 janv. 2024, 07:30:12", datetime(2024, 1, 5, 7, 30, 12, tzinfo=UTC)),
        ("5. März 2024, 07:30:12", datetime(2024, 3, 5, 7, 30, 12, tzinfo=UTC)),
        ("12 dic 2023, 19:01:02", datetime(2023, 12, 12, 19, 1, 2, tzinfo=UTC)),
        ("2024-02-03 06:07:08", datetime(2024, 2, 3, 6, 7, 8, tzinfo=UTC)),
        ("May 30, 2022", datetime(2022, 5, 30, tzinfo=UTC)),
        ("", None),
        ("yesterday", None),
        ("31.02.2024, 10:00:00", None),
    ],
)
def test_export_dates(text: str, expected: datetime | None) -> None:
    assert parse_export_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.02", 10.02),
        ("10,02", 10.02),
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
        ("", None),
        ("n/a", None),
        ("-3", None),
        ("inf", None),
        ("5000", 5000.0),
    ],
)
def test_export_numbers(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


def test_export_durations() -> None:
    assert parse_seconds("3412") == 3412.0
    assert parse_seconds("0:56:52") == 3412.0
    assert parse_seconds("56:52") == 3412.0
    assert parse_seconds("1:x") is None
