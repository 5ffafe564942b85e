"""The ways a notification reaches the runner: one module per channel, each with one `send`."""
