#!/usr/bin/env python3
"""Helpers of tests/vm/vnc.sh: compare a tmux pane that shows a guest's screen in half
blocks with a screenshot of that screen, and compare two image files.

  vnc_compare.py pane CAPTURE SHOT [BOX]
      CAPTURE: `tmux capture-pane -e -p`; SHOT: PPM or PNG; BOX: a file keeping where the
      picture is in the pane, found on the first call
  vnc_compare.py files A B             A, B: PPM or PNG (8-bit RGB), told apart by content

Exit 0 when they match, 1 with the reason on stderr.
"""
import re
import struct
import sys
import zlib

# xterm's 256 colours as RGB.
BASE16 = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
          (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
          (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]


def xterm_rgb(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    v = 8 + 10 * (n - 232)
    return (v, v, v)


def sgr(params, fg, bg):
    """Apply one SGR parameter list to (fg, bg); None is the default colour."""
    p = [int(x) if x else 0 for x in params.split(';')] if params else [0]
    i = 0
    while i < len(p):
        c = p[i]
        if c == 0:
            fg = bg = None
        elif c in (38, 48) and i + 2 < len(p) and p[i + 1] == 5:
            col = xterm_rgb(p[i + 2])
            fg, bg = (col, bg) if c == 38 else (fg, col)
            i += 2
        elif c in (38, 48) and i + 4 < len(p) and p[i + 1] == 2:
            col = tuple(p[i + 2:i + 5])
            fg, bg = (col, bg) if c == 38 else (fg, col)
            i += 4
        elif 30 <= c <= 37:
            fg = BASE16[c - 30]
        elif 90 <= c <= 97:
            fg = BASE16[c - 90 + 8]
        elif 40 <= c <= 47:
            bg = BASE16[c - 40]
        elif 100 <= c <= 107:
            bg = BASE16[c - 100 + 8]
        elif c == 39:
            fg = None
        elif c == 49:
            bg = None
        i += 1
    return fg, bg


def parse_pane(text):
    """Rows of cells (char, fg, bg) from a capture with escape sequences."""
    rows = []
    for line in text.split('\n'):
        fg = bg = None  # tmux starts every captured line from the defaults
        cells = []
        for m in re.finditer(r'\x1b\[([0-9;]*)m|([^\x1b])', line):
            if m.group(1) is not None or m.group(2) is None:
                fg, bg = sgr(m.group(1) or '', fg, bg)
            else:
                cells.append((m.group(2), fg, bg))
        rows.append(cells)
    return rows


def lum(c):
    return (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255.0


def read_ppm(path):
    data = open(path, 'rb').read()
    m = re.match(rb'P6\s+(\d+)\s+(\d+)\s+(\d+)\s', data)
    if not m:
        raise SystemExit('%s: not a binary PPM (starts %r)' % (path, data[:20]))
    w, h = int(m.group(1)), int(m.group(2))
    return w, h, data[m.end():m.end() + w * h * 3]


def read_png(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise SystemExit('%s: not a PNG' % path)
    at, idat, w, h = 8, b'', 0, 0
    while at < len(data):
        n, kind = struct.unpack('>I4s', data[at:at + 8])
        body = data[at + 8:at + 8 + n]
        if zlib.crc32(kind + body) != struct.unpack('>I', data[at + 8 + n:at + 12 + n])[0]:
            raise SystemExit('%s: bad CRC in %s' % (path, kind))
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            if (depth, ctype) != (8, 2):
                raise SystemExit('%s: not 8-bit RGB' % path)
        elif kind == b'IDAT':
            idat += body
        at += 12 + n
    return w, h, unfilter(zlib.decompress(idat), w, h)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def unfilter(raw, w, h):
    """PNG rows of 3 bytes a pixel, every filter type undone."""
    stride, out, prev = w * 3, bytearray(), bytearray(w * 3)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            pred = (0, a, b, (a + b) // 2, paeth(a, b, c))[ft] if ft <= 4 else None
            if pred is None:
                raise SystemExit('unknown PNG filter %d' % ft)
            row[i] = (row[i] + pred) & 0xff
        out += row
        prev = row
    return bytes(out)


def read_image(path):
    with open(path, 'rb') as f:
        png = f.read(8) == b'\x89PNG\r\n\x1a\n'
    return read_png(path) if png else read_ppm(path)


def correlation(a, b):
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    va = sum((x - ma) ** 2 for x in a) ** 0.5
    vb = sum((y - mb) ** 2 for y in b) ** 0.5
    return cov / (va * vb) if va and vb else 0.0


def picture_box(rows, box_file):
    """Where the picture is: read from box_file when it exists, else found (the cells the
    renderer coloured, between the title and the hint) and written there. Black may be
    drawn in the terminal's default colour, so a mostly black screen is measured on an
    earlier, busier one."""
    if box_file:
        try:
            return tuple(int(v) for v in open(box_file).read().split())
        except OSError:
            pass
    drawn = [(y, x) for y, r in enumerate(rows) for x, c in enumerate(r)
             if c[2] is not None and (c[0] == '\u2580' or c[0] == ' ') and 0 < y < len(rows) - 3]
    if len(drawn) < 100:
        raise SystemExit('the pane shows almost no picture (%d cells)' % len(drawn))
    box = (min(p[0] for p in drawn), max(p[0] for p in drawn) + 1,
           min(p[1] for p in drawn), max(p[1] for p in drawn) + 1)
    if box_file:
        open(box_file, 'w').write('%d %d %d %d\n' % box)
    return box


def pane_vs_shot(capture, shot, box_file=None):
    rows = parse_pane(open(capture, encoding='utf-8', errors='replace').read())
    y0, y1, x0, x1 = picture_box(rows, box_file)
    # Two pixels a cell: the upper half block's foreground over its background.
    pix = []
    for y in range(y0, y1):
        top, bottom = [], []
        for x in range(x0, x1):
            ch, fg, bg = rows[y][x] if x < len(rows[y]) else (' ', None, None)
            b = bg or (0, 0, 0)
            t = fg if ch == '\u2580' and fg else b
            top.append(lum(t))
            bottom.append(lum(b))
        pix += [top, bottom]
    ph, pw = len(pix), x1 - x0
    w, h, rgb = read_image(shot)
    # Blocks of the pane: 8 x 8 over the picture, each compared with the same part of the
    # screenshot.
    bx, by = 8, 8
    pane_means, shot_means = [], []
    for j in range(by):
        for i in range(bx):
            cy0, cy1 = ph * j // by, ph * (j + 1) // by
            cx0, cx1 = pw * i // bx, pw * (i + 1) // bx
            vals = [pix[y][x] for y in range(cy0, cy1) for x in range(cx0, cx1)]
            pane_means.append(sum(vals) / max(len(vals), 1))
            sy0, sy1 = h * j // by, h * (j + 1) // by
            sx0, sx1 = w * i // bx, w * (i + 1) // bx
            tot, cnt = 0.0, 0
            for y in range(sy0, sy1, 2):
                row = rgb[y * w * 3:(y + 1) * w * 3]
                for x in range(sx0, sx1, 2):
                    tot += lum(row[x * 3:x * 3 + 3])
                    cnt += 1
            shot_means.append(tot / max(cnt, 1))
    corr = correlation(pane_means, shot_means)
    diff = max(abs(a - b) for a, b in zip(pane_means, shot_means))
    aspect_pane, aspect_shot = pw / ph, w / h
    print('picture %dx%d cells at (%d,%d); screenshot %dx%d; correlation %.3f; max block '
          'difference %.3f' % (pw, y1 - y0, x0, y0, w, h, corr, diff))
    if abs(aspect_pane / aspect_shot - 1) > 0.1:
        raise SystemExit('the picture is %dx%d pixels, the screen %dx%d: shape differs'
                         % (pw, ph, w, h))
    if corr < 0.9 or diff > 0.15:
        raise SystemExit('the pane does not look like the screenshot')


def files(a, b):
    wa, ha, pa = read_image(a)
    wb, hb, pb = read_image(b)
    if (wa, ha) != (wb, hb):
        raise SystemExit('sizes differ: %dx%d and %dx%d' % (wa, ha, wb, hb))
    differ = sum(1 for i in range(0, len(pa), 3) if pa[i:i + 3] != pb[i:i + 3])
    print('%dx%d, %d pixels differ' % (wa, ha, differ))
    # The text cursor blinks: a glyph cell or two may differ.
    if differ > wa * ha // 100:
        raise SystemExit('the pictures differ in %d pixels' % differ)


if __name__ == '__main__':
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in ('pane', 'files'):
        raise SystemExit(__doc__)
    (pane_vs_shot if sys.argv[1] == 'pane' else files)(*sys.argv[2:])
