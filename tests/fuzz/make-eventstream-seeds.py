#!/usr/bin/env python3
"""Writes the seeds of fuzz_aws_eventstream (tests/fuzz/seeds/aws_eventstream/): small
event-stream messages encoded here (Converse-shaped events, an exception, an error, every header
type), each seed prefixed with the byte that chooses the fuzzer's piece size. No recorded data."""
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "aws_eventstream")


def header(name, kind, value=b""):
    name = name.encode()
    out = bytes([len(name)]) + name + bytes([kind])
    if kind in (6, 7):
        value = value.encode() if isinstance(value, str) else value
        return out + struct.pack(">H", len(value)) + value
    return out + value


def message(headers, payload):
    raw_headers = b"".join(headers)
    payload = payload.encode() if isinstance(payload, str) else payload
    total = 16 + len(raw_headers) + len(payload)
    prelude = struct.pack(">II", total, len(raw_headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + raw_headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


def event(kind, payload):
    return message([header(":event-type", 7, kind), header(":content-type", 7, "application/json"),
                    header(":message-type", 7, "event")], payload)


stream = (event("messageStart", '{"role":"assistant"}') +
          event("contentBlockDelta", '{"contentBlockIndex":0,"delta":{"text":"Hi"}}') +
          event("contentBlockStart", '{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"t1","name":"f"}}}') +
          event("contentBlockDelta", '{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\\"a\\":1}"}}}') +
          event("contentBlockStop", '{"contentBlockIndex":1}') +
          event("messageStop", '{"stopReason":"tool_use"}') +
          event("metadata", '{"usage":{"inputTokens":3,"outputTokens":2,"totalTokens":5}}'))
seeds = {
    "stream.bin": bytes([7]) + stream,
    "stream_bytewise.bin": bytes([0]) + stream,
    "exception.bin": bytes([3]) + message(
        [header(":exception-type", 7, "throttlingException"), header(":content-type", 7, "application/json"),
         header(":message-type", 7, "exception")], '{"message":"Too many requests"}'),
    "error.bin": bytes([5]) + message(
        [header(":error-code", 7, "InternalFailure"), header(":error-message", 7, "boom"),
         header(":message-type", 7, "error")], b""),
    "all_types.bin": bytes([2]) + message(
        [header("t", 0), header("f", 1), header("b", 2, b"\xfb"), header("s", 3, b"\xfe\xd4"),
         header("i", 4, struct.pack(">i", 123456789)), header("l", 5, struct.pack(">q", -9000000000)),
         header("bytes", 6, b"\x00\x01\xff"), header("str", 7, "x"),
         header("ts", 8, struct.pack(">q", 1440938160000)), header("id", 9, b"\x7f" * 16)], b"payload"),
    "empty.bin": bytes([1]) + message([], b""),
}
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
