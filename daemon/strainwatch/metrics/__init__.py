"""Pure metrics: functions over domain data. No I/O, no clock, no logging."""
