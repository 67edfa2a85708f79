# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""A deliberately minimal HTTP/2 client for fault tests: it sends frames exactly as told,
including the broken sequences a real gRPC client never sends (a stream reset before or
inside the body, a gRPC message shorter than its length prefix, a hang-up mid-call).

Only what those tests need: the connection preface, SETTINGS (and their ACK), HEADERS with
HPACK literals (no Huffman, no indexing, RFC 7541 section 6.2.2), DATA, RST_STREAM and
GOAWAY. Responses are read as frames and not decoded: the fault tests read the outcome
from the server's own metrics, which is what an operator sees.
"""
import socket
import struct
import time

DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE = 0, 1, 3, 4, 6, 7, 8
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
CANCEL = 0x8
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def _hpack_int(value, prefix_bits, first_byte=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte | value])
    out = [first_byte | limit]
    value -= limit
    while value >= 128:
        out.append((value & 127) | 128)
        value >>= 7
    out.append(value)
    return bytes(out)


def _literal(name, value):
    """A literal header field without indexing, with a literal name."""
    name, value = name.encode(), value.encode()
    return (b"\x00" + _hpack_int(len(name), 7) + name + _hpack_int(len(value), 7) + value)


def grpc_frame(message, compressed=False, declared_length=None):
    """A gRPC length-prefixed message; `declared_length` lies about its length."""
    length = len(message) if declared_length is None else declared_length
    return struct.pack(">BI", 1 if compressed else 0, length) + message


class Connection:
    def __init__(self, host, port, timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.next_stream = 1
        self.sock.sendall(PREFACE + self._frame(SETTINGS, 0, 0, b""))
        self._buffer = b""

    @staticmethod
    def _frame(kind, flags, stream, payload):
        return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + \
            struct.pack(">I", stream) + payload

    def send(self, kind, flags, stream, payload=b""):
        self.sock.sendall(self._frame(kind, flags, stream, payload))

    def open_stream(self, path, authority="localhost", end_stream=False, extra=()):
        """HEADERS of a gRPC call on a new stream; returns its id."""
        stream = self.next_stream
        self.next_stream += 2
        block = b"".join(_literal(n, v) for n, v in (
            (":method", "POST"), (":scheme", "http"), (":path", path),
            (":authority", authority), ("content-type", "application/grpc"),
            ("te", "trailers"), *extra))
        self.send(HEADERS, END_HEADERS | (END_STREAM if end_stream else 0), stream, block)
        return stream

    def data(self, stream, payload, end_stream=False, chunk=16384):
        """DATA frames no larger than the default SETTINGS_MAX_FRAME_SIZE."""
        for i in range(0, max(len(payload), 1), chunk):
            last = i + chunk >= len(payload)
            self.send(DATA, END_STREAM if (end_stream and last) else 0, stream,
                      payload[i:i + chunk])

    def reset(self, stream, code=CANCEL):
        self.send(RST_STREAM, 0, stream, struct.pack(">I", code))

    def read_frames(self, seconds):
        """Frames received within `seconds` (or until the server closes), answering
        SETTINGS and PING as a peer must; returns [(kind, flags, stream, payload)]."""
        frames = []
        until = time.time() + seconds
        while time.time() < until:
            try:
                self.sock.settimeout(max(0.01, until - time.time()))
                chunk = self.sock.recv(65536)
            except OSError:  # a timeout, or a connection closed by either side
                break
            if not chunk:
                break
            self._buffer += chunk
            while len(self._buffer) >= 9:
                length = int.from_bytes(self._buffer[:3], "big")
                if len(self._buffer) < 9 + length:
                    break
                kind, flags = self._buffer[3], self._buffer[4]
                stream = int.from_bytes(self._buffer[5:9], "big") & 0x7FFFFFFF
                payload = self._buffer[9:9 + length]
                self._buffer = self._buffer[9 + length:]
                if kind == SETTINGS and not flags & ACK:
                    self.send(SETTINGS, ACK, 0)
                elif kind == PING and not flags & ACK:
                    self.send(PING, ACK, 0, payload)
                frames.append((kind, flags, stream, payload))
        return frames

    def stream_ended(self, frames, stream):
        """Whether the server finished `stream` (trailers or a reset) in `frames`."""
        return any(s == stream and (k == RST_STREAM or (k in (HEADERS, DATA) and f & END_STREAM))
                   for k, f, s, _ in frames)

    def close(self, goaway=True):
        try:
            if goaway:
                self.send(GOAWAY, 0, 0, struct.pack(">II", 0, 0))
            self.sock.close()
        except OSError:
            pass
