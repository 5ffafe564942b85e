"""systemd's notify protocol in a few lines: READY, STATUS, WATCHDOG, STOPPING.

A datagram to $NOTIFY_SOCKET; a no-op outside systemd. No dependency needed.
"""

from __future__ import annotations

import os
import socket


def notify(*states: str) -> bool:
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    message = "\n".join(s.replace("\n", " ") for s in states).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        try:
            sock.sendto(message, address)
        except OSError:
            return False
    return True


def watchdog_s() -> float | None:
    """WatchdogSec, when systemd asks for keep-alives from this process (sent at half of it)."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return int(usec) / 1_000_000 or None
    except ValueError:
        return None
