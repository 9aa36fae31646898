"""A Python repod chat client, as repod's own chat example writes one.

It speaks the wire format (4-byte big-endian length + msgpack map) with
plain dicts and dispatches each message to Network_<action>, as repod does.
It knows nothing of authentication: on `connected` it sends its nickname
(the chat server's `authAction`, so this first message is its credential),
then at once one chat line, without waiting for an answer.

It prints one JSON line per message it receives, flushed at once, and exits:
0 once its own line comes back from the server; 3 when the server closes
the connection (after refusing it, say).

    python3 test/python/chat_peer.py PORT NICKNAME LINE
"""
import json
import socket
import struct
import sys

import msgpack


class ChatPeer:
    def __init__(self, port, nickname, line):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.nickname = nickname
        self.line = line
        self.done = False

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
                return None
            self.buffer += chunk

    def pump(self):
        data = self.read()
        if data is None:
            return False
        print(json.dumps(data), flush=True)
        handler = getattr(self, "Network_" + data["action"], None)
        if handler is not None:
            handler(data)
        return not self.done

    def Network_connected(self, data):
        self.send({"action": "nickname", "nickname": self.nickname})
        self.send({"action": "message", "text": self.line})

    def Network_message(self, data):
        if data.get("nickname") == self.nickname and data.get("text") == self.line:
            self.done = True


def main(port, nickname, line):
    peer = ChatPeer(port, nickname, line)
    while peer.pump():
        pass
    peer.sock.close()
    return 0 if peer.done else 3


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
