"""PyTorch side of bench/recipe/step-match.mjs: K steps of the MNIST DCGAN recipe with every random draw written
out, so that @gan can take the same K steps from the same weights on the same batches with the same noise.

  ${GAN_TORCH_VENV:-~/.cache/gan/torch-venv}/bin/python bench/recipe/step_match_torch.py \
      --data ../shared/data/mnist --steps 20 --batch-size 128 --seed 1 --out /tmp/step-match

Writes in --out: g_init.pt, d_init.pt (state_dicts after the DCGAN init, before any step), batches.npy (int32
(K, b): indices into the idx images, read as mnist_recipe_torch.py reads them), noise.npy (float32 (K, 2, b, z):
the D step's and the G step's uniform noise in [-1, 1)), g_step_NNN.pt / d_step_NNN.pt after each step in
--snapshots and after the last, and steps.json (the losses of every step, versions, arguments).
The step is mnist_recipe_torch.py's recipe_step: D on the real batch and on G's detached fakes (two forward passes, BCE from
logits, gradients added), Adam 2e-4 / (0.5, 0.999); then G on fresh noise through D, both networks in train mode.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
sys.path.insert(0, os.path.dirname(__file__))
from torch_step import init_weights, mnist_dcgan  # noqa: E402
from mnist_recipe_torch import read_idx_images, recipe_step  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--data', required=True)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--snapshots', default='1,5')
    parser.add_argument('--double', action='store_true',
                        help='take the steps in float64 (the same float32 init, batches and noise; snapshots saved as float32)')
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    rng = np.random.default_rng(args.seed)
    images, source = read_idx_images(args.data)
    x = torch.from_numpy(images)
    g, d, z, _ = mnist_dcgan()
    g.apply(init_weights)
    d.apply(init_weights)
    os.makedirs(args.out, exist_ok=True)
    torch.save(g.state_dict(), os.path.join(args.out, 'g_init.pt'))
    torch.save(d.state_dict(), os.path.join(args.out, 'd_init.pt'))
    b, k = args.batch_size, args.steps
    batches = np.stack([rng.permutation(len(x))[:b] for _ in range(k)]).astype(np.int32)
    noise = (torch.rand(k, 2, b, z) * 2 - 1).numpy().astype(np.float32)
    np.save(os.path.join(args.out, 'batches.npy'), batches)
    np.save(os.path.join(args.out, 'noise.npy'), noise)
    dtype = torch.float64 if args.double else torch.float32
    g.to(dtype)
    d.to(dtype)
    x = x.to(dtype)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(b, 1, dtype=dtype), torch.zeros(b, 1, dtype=dtype)
    as_float = lambda m: {k: (v.float() if v.is_floating_point() else v) for k, v in m.state_dict().items()}  # noqa: E731
    snapshots = {int(s) for s in args.snapshots.split(',') if s} | {k}
    losses = []
    for step in range(1, k + 1):
        real = x[torch.from_numpy(batches[step - 1]).long()]
        z_d, z_g = (torch.from_numpy(noise[step - 1, i]).to(dtype) for i in (0, 1))
        loss_d, loss_g = recipe_step(g, d, opt_g, opt_d, bce, real, z_d, z_g, ones, zeros)
        losses.append({'step': step, 'discriminatorLoss': loss_d.item(), 'generatorLoss': loss_g.item()})
        if step in snapshots:
            torch.save(as_float(g), os.path.join(args.out, f'g_step_{step:03d}.pt'))
            torch.save(as_float(d), os.path.join(args.out, f'd_step_{step:03d}.pt'))
    with open(os.path.join(args.out, 'steps.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'source': source, 'seed': args.seed, 'batchSize': b, 'latentDim': z,
                   'snapshots': sorted(snapshots), 'dtype': str(dtype), 'losses': losses}, f, indent=2)
    print(f'{k} steps: D {losses[-1]["discriminatorLoss"]:.4f}  G {losses[-1]["generatorLoss"]:.4f}; wrote {args.out}',
          flush=True)


if __name__ == '__main__':
    main()
