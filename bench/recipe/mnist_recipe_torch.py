"""PyTorch run of the issue's MNIST DCGAN recipe, for comparison with
`gan train --model dcgan-mnist --data ../shared/data/mnist --epochs 25 --batch-size 128`.

Same model (bench/torch_step.py's mnist_dcgan), same data (the idx files in --data: train files when present,
else t10k, scaled to [0, 1]), uniform noise in [-1, 1), Adam 2e-4 / beta1 0.5 per network, BCE from logits,
drop-last shuffled batches, fresh noise for the G step. Prints one line per epoch and writes in --out:
samples.npy (--count generated images, G in eval mode, float32 (N, 28, 28, 1) in [0, 1], which `gan eval --images`
measures with the same protocol as a tfjs run), samples.png (8-column grid of the first 64), history.json (per-epoch
mean losses and seconds; seed, threads, batch size, total seconds, torch version) and models.pt (G and D state_dicts).
--seed seeds torch (weights, noise) and the numpy shuffle.

Python: the venv made by bench/setup-torch.sh (PyTorch from pip; Debian's python3-torch is much slower, see
shared/ENVIRONMENT.md).

  ${GAN_TORCH_VENV:-~/.cache/gan/torch-venv}/bin/python bench/recipe/mnist_recipe_torch.py \
      --data ../shared/data/mnist --epochs 25 --batch-size 128 --seed 1 --threads 2 --out /tmp/torch-run
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np

# torch_step first: it sets OMP_WAIT_POLICY=PASSIVE before torch loads (see there).
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from torch_step import init_weights, mnist_dcgan  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


def read_idx_images(folder):
    for stem in ('train-images-idx3-ubyte', 't10k-images-idx3-ubyte'):
        for name in (stem + '.gz', stem):
            path = os.path.join(folder, name)
            if os.path.exists(path):
                opener = gzip.open if name.endswith('.gz') else open
                with opener(path, 'rb') as f:
                    magic, n, rows, cols = struct.unpack('>IIII', f.read(16))
                    if magic != 2051:
                        raise SystemExit(f'{path} is not an idx image file (magic {magic})')
                    data = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8)
                return data.reshape(n, 1, rows, cols).astype(np.float32) / 255.0, path
    raise SystemExit(f'No MNIST idx image files in {folder}')


def write_grid(images, path, columns=8, pad=2):
    """An 8-column PNG grid of (N, 28, 28, 1) images in [0, 1] (as gan train's samples/epoch_NNN.png)."""
    try:
        from PIL import Image
    except ImportError:
        print('no PIL: samples.png not written', flush=True)
        return
    n, h, w, _ = images.shape
    rows = (n + columns - 1) // columns
    grid = np.zeros((rows * (h + pad) + pad, columns * (w + pad) + pad), dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, columns)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        grid[y:y + h, x:x + w] = np.clip(images[i, :, :, 0] * 255 + 0.5, 0, 255).astype(np.uint8)
    Image.fromarray(grid).save(path)


def recipe_step(g, d, opt_g, opt_d, bce, real, z_d, z_g, ones, zeros):
    """One step of the recipe: D on the real batch and on G(z_d) detached (two forward passes, gradients added),
    then G on fresh noise z_g through D, both networks in train mode. Returns the two loss tensors."""
    opt_d.zero_grad()
    fake = g(z_d).detach()
    loss_d = bce(d(real), ones) + bce(d(fake), zeros)
    loss_d.backward()
    opt_d.step()
    opt_g.zero_grad()
    loss_g = bce(d(g(z_g)), ones)
    loss_g.backward()
    opt_g.step()
    return loss_d, loss_g


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--data', required=True)
    parser.add_argument('--epochs', type=int, default=25)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--count', type=int, default=10000)
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    images, source = read_idx_images(args.data)
    x = torch.from_numpy(images)
    g, d, z, _ = mnist_dcgan()
    g.apply(init_weights)
    d.apply(init_weights)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    b = args.batch_size
    ones, zeros = torch.ones(b, 1), torch.zeros(b, 1)
    noise = lambda n: torch.rand(n, z) * 2 - 1  # noqa: E731
    os.makedirs(args.out, exist_ok=True)
    history = []
    started = time.time()
    print(f'data: {len(x)} images from {source}; torch {torch.__version__}, {args.threads} threads, seed {args.seed}', flush=True)
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        order = torch.from_numpy(rng.permutation(len(x)))
        d_sum = g_sum = 0.0
        steps = len(x) // b
        for i in range(steps):
            real = x[order[i * b:(i + 1) * b]]
            loss_d, loss_g = recipe_step(g, d, opt_g, opt_d, bce, real, noise(b), noise(b), ones, zeros)
            d_sum += loss_d.item()
            g_sum += loss_g.item()
        seconds = time.time() - t0
        history.append({'epoch': epoch, 'discriminatorLoss': d_sum / steps, 'generatorLoss': g_sum / steps, 'seconds': seconds})
        print(f'epoch {epoch}/{args.epochs}  D {d_sum / steps:.4f}  G {g_sum / steps:.4f}  {steps * b / seconds:.1f} img/s  {seconds:.1f} s', flush=True)
    total = time.time() - started
    g.eval()
    with torch.no_grad():
        samples = torch.cat([g(noise(min(500, args.count - i))) for i in range(0, args.count, 500)])
    images = samples.permute(0, 2, 3, 1).contiguous().numpy().astype(np.float32)
    np.save(os.path.join(args.out, 'samples.npy'), images)
    write_grid(images[:64], os.path.join(args.out, 'samples.png'))
    torch.save({'generator': g.state_dict(), 'discriminator': d.state_dict()}, os.path.join(args.out, 'models.pt'))
    with open(os.path.join(args.out, 'history.json'), 'w') as f:
        json.dump({'totalSeconds': total, 'source': source, 'torch': torch.__version__, 'seed': args.seed,
                   'threads': args.threads, 'batchSize': b, 'epochs': history}, f, indent=2)
    print(f'done in {total:.0f} s: {args.out}/samples.npy ({args.count} images), history.json, models.pt', flush=True)


if __name__ == '__main__':
    main()
