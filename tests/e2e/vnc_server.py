#!/usr/bin/env python3
"""A small RFB server on a UNIX socket for the graphical console's tests: a 64x48 picture of
colour bands sent whole on each full update request, input read and ignored. With
"password", VNC authentication that takes any answer. Usage: vnc_server.py SOCKET [password]"""
import os
import socket
import struct
import sys
import threading

W, H = 64, 48


def read(conn, n):
    data = b""
    while len(data) < n:
        part = conn.recv(n - len(data))
        if not part:
            raise EOFError
        data += part
    return data


def picture(shifts):
    rs, gs, bs = shifts
    rows = []
    for y in range(H):
        row = bytearray()
        for x in range(W):
            r, g, b = (255, 0, 0) if x < W // 3 else (0, 255, 0) if x < 2 * W // 3 else (0, 0, 255)
            row += struct.pack("<I", r << rs | g << gs | b << bs)
        rows.append(bytes(row))
    return b"".join(rows)


def serve(conn, password):
    shifts = (16, 8, 0)
    try:
        conn.sendall(b"RFB 003.008\n")
        read(conn, 12)
        conn.sendall(bytes([1, 2 if password else 1]))  # one security type
        read(conn, 1)
        if password:
            conn.sendall(bytes(range(16)))  # the challenge
            read(conn, 16)
        conn.sendall(struct.pack(">I", 0))
        read(conn, 1)  # ClientInit
        fmt = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
        name = b"kd fake"
        conn.sendall(struct.pack(">HH", W, H) + fmt + struct.pack(">I", len(name)) + name)
        while True:
            kind = read(conn, 1)[0]
            if kind == 0:  # SetPixelFormat
                f = read(conn, 19)
                shifts = (f[13], f[14], f[15])
            elif kind == 2:  # SetEncodings
                n = struct.unpack(">xH", read(conn, 3))[0]
                read(conn, 4 * n)
            elif kind == 3:  # FramebufferUpdateRequest
                incremental = read(conn, 9)[0]
                if not incremental:
                    head = struct.pack(">BxH", 0, 1) + struct.pack(">HHHHi", 0, 0, W, H, 0)
                    conn.sendall(head + picture(shifts))
            elif kind == 4:  # KeyEvent
                read(conn, 7)
            elif kind == 5:  # PointerEvent
                read(conn, 5)
            elif kind == 6:  # ClientCutText
                n = struct.unpack(">3xI", read(conn, 7))[0]
                read(conn, n)
            else:
                return
    except (EOFError, OSError):
        pass
    finally:
        conn.close()


def main():
    path = sys.argv[1]
    password = sys.argv[2:] == ["password"]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, password), daemon=True).start()


if __name__ == "__main__":
    main()
