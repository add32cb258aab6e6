"""Writes the event-file fixture of @gan/train's TensorBoard tests with TensorBoard's own writer.

Run once (the output is committed):
    python3 -m venv /tmp/tbvenv && /tmp/tbvenv/bin/pip install tensorboard
    /tmp/tbvenv/bin/python bench/tensorboard/make_fixture.py

It writes packages/train/src/testing/tensorboard/fixture.tfevents (TFRecord framing and masked CRC-32C by
tensorboard's RecordWriter, Event/Summary messages serialized by protobuf) and fixture.json (the same events
as plain data, which the test encodes with our code and compares byte for byte).
"""

import base64
import json
import os
import struct
import zlib

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "train", "src", "testing", "tensorboard")


def tiny_png():
    """A 2x2 RGB PNG (red, green / blue, white)."""
    rows = [bytes([0, 255, 0, 0, 0, 255, 0]), bytes([0, 0, 0, 255, 255, 255, 255])]

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")


def main():
    png = tiny_png()
    described = [
        {"wallTime": 1700000000.25, "step": 0, "fileVersion": "brain.Event:2"},
        {"wallTime": 1700000001.5, "step": 0, "sessionLog": "start"},
        {"wallTime": 1700000002.125, "step": 1, "summary": [{"tag": "loss/discriminator", "scalar": 1.375},
                                                              {"tag": "loss/generator", "scalar": 0.0}]},
        {"wallTime": 1700000003.0, "step": 300, "summary": [{"tag": "learning_rate/generator", "scalar": 0.0002},
                                                              {"tag": "speed/images_per_second", "scalar": -12.5}]},
        {"wallTime": 1700000004.0, "step": 2**33 + 7, "summary": [{"tag": "eval/fid", "scalar": 123456.78}]},
        {"wallTime": 1700000005.0, "step": 301, "summary": [{"tag": "samples", "image": {
            "height": 2, "width": 2, "colorspace": 3, "encoded": base64.b64encode(png).decode()}}]},
        {"wallTime": 1700000006.0, "step": 302, "summary": [{"tag": "weights/generator/dense/kernel", "histogram": {
            "min": -0.5, "max": 1.25, "num": 7, "sum": 2.0, "sumSquares": 3.5,
            "bucketLimits": [0.0, 0.625, 1.25], "buckets": [3, 0, 4]}}]},
    ]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "fixture.tfevents"), "wb") as f:
        writer = RecordWriter(f)
        for d in described:
            event = event_pb2.Event(wall_time=d["wallTime"], step=d["step"])
            if "fileVersion" in d:
                event.file_version = d["fileVersion"]
            if "sessionLog" in d:
                event.session_log.status = event_pb2.SessionLog.START
            for v in d.get("summary", []):
                value = event.summary.value.add(tag=v["tag"])
                if "scalar" in v:
                    value.simple_value = v["scalar"]
                elif "image" in v:
                    i = v["image"]
                    value.image.CopyFrom(summary_pb2.Summary.Image(
                        height=i["height"], width=i["width"], colorspace=i["colorspace"],
                        encoded_image_string=base64.b64decode(i["encoded"])))
                else:
                    h = v["histogram"]
                    value.histo.CopyFrom(summary_pb2.HistogramProto(
                        min=h["min"], max=h["max"], num=h["num"], sum=h["sum"], sum_squares=h["sumSquares"],
                        bucket_limit=h["bucketLimits"], bucket=h["buckets"]))
            writer.write(event.SerializeToString())
        writer.flush()
    with open(os.path.join(OUT, "fixture.json"), "w") as f:
        json.dump(described, f, indent=1)
        f.write("\n")
    print(f"wrote {len(described)} events to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
