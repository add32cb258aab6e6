"""Reads a run's tensorboard/ folder with TensorBoard's own EventAccumulator and checks every tag and value
against what the run wrote elsewhere (log.jsonl per step, history.json per epoch, samples/, the weights).

    /tmp/tbvenv/bin/python bench/tensorboard/verify.py RUN_DIR [--histograms]

(bench/tensorboard/verify.sh makes the venv, trains a fresh run and calls this.) Prints one line per check
and exits 1 when one fails.
"""

import json
import math
import os
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

run = sys.argv[1]
want_histograms = "--histograms" in sys.argv
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def close(a, b, rel=1e-6):
    # Scalars are float32 in the event file.
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-7)


acc = EventAccumulator(os.path.join(run, "tensorboard"), size_guidance={"scalars": 0, "images": 0, "histograms": 0})
acc.Reload()
tags = acc.Tags()
print("tags:", json.dumps({k: v for k, v in tags.items() if isinstance(v, list) and v}, indent=None))

steps = [json.loads(line) for line in open(os.path.join(run, "log.jsonl")) if '"discriminatorLoss"' in line]
steps = {s["step"]: s for s in steps}
history = json.load(open(os.path.join(run, "history.json")))
config = json.load(open(os.path.join(run, "config.json")))

for tag, key in [("loss/discriminator", "discriminatorLoss"), ("loss/generator", "generatorLoss")]:
    events = acc.Scalars(tag)
    check([e.step for e in events] == sorted(steps), f"{tag}: one value per step, steps 1..{len(steps)} ({len(events)} read)")
    bad = [e.step for e in events if not close(e.value, steps[e.step][key])]
    check(not bad, f"{tag}: every value equals log.jsonl's {key} (float32)" + (f", differs at {bad[:5]}" if bad else ""))

training = config["training"]
for tag, key in [("learning_rate/generator", "generatorLearningRate"), ("learning_rate/discriminator", "discriminatorLearningRate")]:
    events = acc.Scalars(tag)
    base = training.get(key) or training["learningRate"]
    decay = training.get("learningRateDecay")
    ok = len(events) == len(steps)
    if decay is None:
        ok = ok and all(close(e.value, base) for e in events)
    check(ok, f"{tag}: {len(events)} values" + (f", all {base}" if decay is None else f" ({decay} decay)"))

if training.get("clipGradientNorm") is not None:
    for tag in ["gradient_norm/generator", "gradient_norm/discriminator"]:
        events = acc.Scalars(tag)
        check(len(events) == len(steps) and all(e.value > 0 for e in events),
              f"{tag}: {len(events)} positive values (--clip-grad-norm {training['clipGradientNorm']}; "
              f"above it at {sum(e.value > training['clipGradientNorm'] for e in events)} steps)")
if training.get("penalty") is not None:
    events = acc.Scalars("penalty/discriminator")
    check(len(events) == len(steps) and all(e.value >= 0 for e in events),
          f"penalty/discriminator: {len(events)} values ≥ 0 ({training['penalty']}), last {events[-1].value:.4g}")

speed = acc.Scalars("speed/images_per_second")
check(len(speed) == len(steps) - len(history) and all(e.value > 0 for e in speed),
      f"speed/images_per_second: {len(speed)} positive values (none for each epoch's first step)")

for tag, key in [("epoch/loss_discriminator", "discriminatorLoss"), ("epoch/loss_generator", "generatorLoss"),
                 ("epoch/images_per_second", "imagesPerSecond")]:
    events = acc.Scalars(tag)
    check(len(events) == len(history) and all(close(e.value, h[key]) for e, h in zip(events, history)),
          f"{tag}: {len(events)} values equal to history.json's {key}")

fids = [h["fid"] for h in history if "fid" in h]
if fids:
    events = acc.Scalars("eval/fid")
    check(len(events) == len(fids) and all(close(e.value, f) for e, f in zip(events, fids)),
          f"eval/fid: {len(events)} values equal to history.json's fid")

images = acc.Images("samples")
sample_files = sorted(f for f in os.listdir(os.path.join(run, "samples")) if f.endswith(".png"))
check(len(images) == len(sample_files), f"samples: {len(images)} images for {len(sample_files)} files in samples/")
for image, name in zip(images, sample_files):
    same = image.encoded_image_string == open(os.path.join(run, "samples", name), "rb").read()
    check(image.encoded_image_string[:8] == b"\x89PNG\r\n\x1a\n" and same,
          f"samples at step {image.step}: {image.width}x{image.height} PNG, identical to samples/{name}")

histograms = tags.get("histograms", [])
if want_histograms:
    check(any(t.startswith("weights/generator/") for t in histograms) and any(t.startswith("weights/discriminator/") for t in histograms),
          f"histograms: {len(histograms)} tags (generator and discriminator weights)")
    for tag in histograms:
        values = acc.Histograms(tag)
        h = values[-1].histogram_value
        check(len(values) == len(history) and sum(h.bucket) == h.num and h.min <= h.max,
              f"{tag}: {len(values)} histograms, last of {int(h.num)} weights in [{h.min:.4f}, {h.max:.4f}]")
    # The last histograms against the weights the run saved.
    try:
        import numpy as np
        for network in ["generator", "discriminator"]:
            model = json.load(open(os.path.join(run, network, "model.json")))
            blob = open(os.path.join(run, network, "weights.bin"), "rb").read()
            offset = 0
            for group in model["weightsManifest"]:
                for w in group["weights"]:
                    count = int(np.prod(w["shape"])) if w["shape"] else 1
                    data = np.frombuffer(blob, dtype=np.float32, count=count, offset=offset)
                    offset += count * 4
                    tag = f"weights/{network}/{w['name']}"
                    if tag in histograms:
                        h = acc.Histograms(tag)[-1].histogram_value
                        check(h.num == count and close(h.min, float(data.min())) and close(h.max, float(data.max()))
                              and close(h.sum, float(data.astype(np.float64).sum()), 1e-5),
                              f"{tag}: count, min, max and sum equal the saved {network}/weights.bin")
    except ImportError:
        print("numpy missing: the histograms were not compared with the saved weights")

print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
