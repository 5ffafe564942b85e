"""Training plans: planned runs read from a CSV file, an iCalendar feed or intervals.icu's calendar."""
