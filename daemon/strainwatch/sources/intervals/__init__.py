"""The intervals.icu source: activities that watches sync to intervals.icu, read with the
athlete's personal API key."""
