"""The FIT checksum (CRC-16/ARC, as the FIT SDK computes it), two bytes per step.

The SDK's nibble-at-a-time loop costs about a microsecond a byte in Python, longer than
decoding the message it covers. A 16-bit register fed 16 bits at a time is a pure function
of `crc ^ word`, so one lookup in a 65,536-entry table does two bytes.
"""

from __future__ import annotations

import sys
from array import array

_NIBBLE = (
    0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
    0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
)  # fmt: skip


def crc_byte_sdk(crc: int, byte: int) -> int:
    """One byte, exactly as the FIT SDK's FitCRC_Get16 does it (the tests' reference)."""
    tmp = _NIBBLE[crc & 0xF]
    crc = (crc >> 4) & 0x0FFF
    crc = crc ^ tmp ^ _NIBBLE[byte & 0xF]
    tmp = _NIBBLE[crc & 0xF]
    crc = (crc >> 4) & 0x0FFF
    return crc ^ tmp ^ _NIBBLE[(byte >> 4) & 0xF]


_BYTE = [crc_byte_sdk(0, b) for b in range(256)]
_WORD = [(_BYTE[x & 0xFF] >> 8) ^ _BYTE[((x >> 8) ^ _BYTE[x & 0xFF]) & 0xFF] for x in range(1 << 16)]


def fit_crc(data: bytes | memoryview, crc: int = 0) -> int:
    """The CRC of `data`, continuing from `crc`."""
    even = len(data) & ~1
    words = array("H")
    words.frombytes(data[:even])
    if sys.byteorder == "big":
        words.byteswap()
    table = _WORD
    for word in words:
        crc = table[crc ^ word]
    if even != len(data):
        crc = (crc >> 8) ^ _BYTE[(crc ^ data[even]) & 0xFF]
    return crc
