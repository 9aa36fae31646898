"""A Python repod-style chat client that reconnects, as a repod game does.

It connects, waits for {"action": "connected"}, says {"action": "join",
"room": ROOM}, then one {"action": "line", "seq": n, "text": ...} every
INTERVAL seconds. When the connection closes it connects again (a fresh
channel: repod has no sessions) and goes on. It prints one JSON line per
event, flushed at once:

    {"event": "connected", "id": ...}     a greeting
    {"event": "closed"}                   the connection closed
    {"action": ..., "from": ..., "seq": ...}  every other message received

and exits after SECONDS seconds, or when stdin closes.

    python3 test/python/cluster_chat_peer.py PORT ROOM INTERVAL SECONDS
"""
import json
import select
import socket
import struct
import sys
import time

import msgpack


def frame(message):
    payload = msgpack.packb(message, use_bin_type=True)
    return struct.pack(">I", len(payload)) + payload


def say(event):
    print(json.dumps(event), flush=True)


def connect(port):
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            time.sleep(0.05)


def main(port, room, interval, seconds):
    deadline = time.monotonic() + seconds
    seq = 0
    while time.monotonic() < deadline:
        sock = connect(port)
        sock.setblocking(False)
        buffer = b""
        greeted = False
        next_line = time.monotonic()
        open_ = True
        while open_ and time.monotonic() < deadline:
            ready, _, _ = select.select([sock, sys.stdin], [], [], 0.02)
            if sys.stdin in ready and not sys.stdin.readline():
                return 0
            if sock in ready:
                try:
                    chunk = sock.recv(65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    open_ = False
                buffer += chunk
                while len(buffer) >= 4 and len(buffer) >= 4 + struct.unpack(">I", buffer[:4])[0]:
                    size = struct.unpack(">I", buffer[:4])[0]
                    message = msgpack.unpackb(buffer[4 : 4 + size], raw=False)
                    buffer = buffer[4 + size :]
                    if message.get("action") == "connected":
                        greeted = True
                        say({"event": "connected", "id": message.get("id")})
                        sock.sendall(frame({"action": "join", "room": room}))
                    else:
                        say({"action": message.get("action"), "from": message.get("from"), "seq": message.get("seq")})
            if greeted and open_ and time.monotonic() >= next_line:
                next_line += interval
                try:
                    sock.sendall(frame({"action": "line", "seq": seq, "text": "from python"}))
                    seq += 1
                except OSError:
                    open_ = False
        sock.close()
        say({"event": "closed"})
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])))
