"""A Python repod-style client that asks and answers requests by hand.

It speaks the wire format (4-byte big-endian length + msgpack map) with
plain dicts, as a Python repod peer would, and dispatches each message to
Network_<action> as repod does:

- it asks the server: {"action": "sit", "_rid": 1, "table": "py"}, and an
  invalid request {"action": "sit", "_rid": 2, "table": 3};
- it answers the server's requests: Network_confirm sends
  {"action": "_reply", "_rid": <its id>, "reply": true}, or refuses with
  {"action": "_reply", "_rid": <its id>, "error": "no thanks"}.

It prints one JSON line per answer it got, then exits once it has its two
answers and has answered two questions.

    python3 test/python/request_peer.py PORT
"""
import json
import socket
import struct
import sys

import msgpack


class Peer:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.replies = {}
        self.answered = 0

    def send(self, data):
        payload = msgpack.packb(data, use_bin_type=True)
        self.sock.sendall(struct.pack(">I", len(payload)) + payload)

    def read(self):
        while True:
            if len(self.buffer) >= 4:
                (length,) = struct.unpack(">I", self.buffer[:4])
                if len(self.buffer) >= 4 + length:
                    payload = self.buffer[4 : 4 + length]
                    self.buffer = self.buffer[4 + length :]
                    return msgpack.unpackb(payload, raw=False)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server closed the connection")
            self.buffer += chunk

    def pump(self):
        data = self.read()
        handler = getattr(self, "Network_" + data["action"], None)
        if handler is not None:
            handler(data)

    def Network_connected(self, data):
        self.send({"action": "sit", "_rid": 1, "table": "py"})
        self.send({"action": "sit", "_rid": 2, "table": 3})

    def Network_confirm(self, data):
        if data["question"] == "ready?":
            self.send({"action": "_reply", "_rid": data["_rid"], "reply": True})
        else:
            self.send({"action": "_reply", "_rid": data["_rid"], "error": "no thanks"})
        self.answered += 1

    def Network__reply(self, data):
        self.replies[data["_rid"]] = data
        print(json.dumps(data, sort_keys=True), flush=True)


def main():
    peer = Peer(int(sys.argv[1]))
    while len(peer.replies) < 2 or peer.answered < 2:
        peer.pump()
    peer.sock.close()


if __name__ == "__main__":
    main()
