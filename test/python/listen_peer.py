"""A Python repod-style client that only listens: it never sends a byte.

It reads the wire format (4-byte big-endian length + msgpack map) and
prints one JSON line per message it receives ({"action": ..., "n": ...}),
flushed at once, until the server sends {"action": "end"}; then it exits.

    python3 test/python/listen_peer.py PORT
"""
import json
import socket
import struct
import sys

import msgpack


def main(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    buffer = b""
    while True:
        while len(buffer) < 4 or len(buffer) < 4 + struct.unpack(">I", buffer[:4])[0]:
            chunk = sock.recv(65536)
            if not chunk:
                return 1
            buffer += chunk
        size = struct.unpack(">I", buffer[:4])[0]
        message = msgpack.unpackb(buffer[4 : 4 + size], raw=False)
        buffer = buffer[4 + size :]
        print(json.dumps({"action": message.get("action"), "n": message.get("n")}), flush=True)
        if message.get("action") == "end":
            return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
