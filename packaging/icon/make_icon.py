#!/usr/bin/env python3
"""Draws the app icon (assets/icon-256.png and the hicolor sizes) with no dependencies:
a rounded dark tile with three timeline lanes in the backend colours (event loop blue,
threads orange, processes green), bars of different lengths, like the lab's timeline."""
import os
import struct
import sys
import zlib

BG = (0x1e, 0x23, 0x2b)
LANES = [
    ((0x3b, 0x8e, 0xea), [(0.10, 0.30), (0.36, 0.52), (0.58, 0.90)]),
    ((0xe8, 0x8a, 0x1a), [(0.10, 0.62), (0.68, 0.90)]),
    ((0x2e, 0xa0, 0x5a), [(0.10, 0.44), (0.50, 0.90)]),
]


def pixel(x, y, n):
    """RGBA of pixel (x, y) in an n×n icon, 4× supersampled for smooth edges."""
    acc = [0.0, 0.0, 0.0, 0.0]
    for sy in range(4):
        for sx in range(4):
            u, v = (x + (sx + 0.5) / 4) / n, (y + (sy + 0.5) / 4) / n
            rgba = sample(u, v)
            for i in range(4):
                acc[i] += rgba[i] / 16
    return tuple(int(round(c)) for c in acc)


def sample(u, v):
    r = 0.18  # corner radius
    cu, cv = min(max(u, r), 1 - r), min(max(v, r), 1 - r)
    if (u - cu) ** 2 + (v - cv) ** 2 > r * r:
        return (0, 0, 0, 0)
    for lane, (color, bars) in enumerate(LANES):
        top = 0.22 + lane * 0.21
        if top <= v <= top + 0.14:
            for a, b in bars:
                if a <= u <= b:
                    return color + (255,)
    return BG + (255,)


def png(n):
    rows = b"".join(b"\0" + bytes(c for x in range(n) for c in pixel(x, y, n)) for y in range(n))
    chunk = lambda tag, data: struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    app_id = "io.github.concurrency_lab.ConcurrencyLab"
    with open(os.path.join(root, "assets", "icon-256.png"), "wb") as f:
        f.write(png(256))
    for size in [int(s) for s in sys.argv[1:]]:
        d = os.path.join(root, "assets", "icons", "hicolor", f"{size}x{size}", "apps")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"{app_id}.png"), "wb") as f:
            f.write(png(size))
