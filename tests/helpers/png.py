#!/usr/bin/env python3
"""What a PNG shows, without an imaging library: for tests of screenshots.

usage: png.py stats FILE
Prints "WIDTH HEIGHT COLOURS DARK" : the size, the number of distinct colours, and the
share (per mille) of pixels darker than mid-grey. Reads 8-bit greyscale, RGB and RGBA
PNGs, not interlaced (what Chromium writes). Exit status 2 for anything else.
"""
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, head = 8, [], None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    if head is None:
        raise ValueError("no IHDR")
    width, height, depth, ctype, _, _, interlace = head
    channels = {0: 1, 2: 3, 6: 4}.get(ctype)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        filt, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            if filt == 1:
                line[x] = (line[x] + a) & 255
            elif filt == 2:
                line[x] = (line[x] + b) & 255
            elif filt == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif filt == 4:
                line[x] = (line[x] + paeth(a, b, c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def stats(path):
    width, height, ch, rows = read(path)
    colours, dark = set(), 0
    for line in rows:
        for x in range(0, len(line), ch):
            px = line[x:x + min(ch, 3)]
            colours.add(px)
            if sum(px) < 128 * len(px):
                dark += 1
    print(width, height, len(colours), dark * 1000 // (width * height))


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "stats":
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        stats(sys.argv[2])
    except (OSError, ValueError, zlib.error) as e:
        print(f"png.py: {sys.argv[2]}: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
