"""PyTorch run of the DCGAN tutorial recipe (pytorch/tutorials, beginner_source/dcgan_faces_tutorial.py) on 64x64
colour images, for comparison with a tfjs run of the same recipe.

The recipe, as in the tutorial: nz=100, ngf=ndf=64, nc=3; G = ConvTranspose2d(nz, 512, 4, 1, 0) -> 4 x
(ConvTranspose2d 4/2/1) with BatchNorm + ReLU, Tanh out; D = 5 Conv2d (4/2/1, last 4/1/0), BatchNorm from the second,
LeakyReLU 0.2, Sigmoid out; no biases; conv weights N(0, 0.02), BatchNorm gamma N(1, 0.02) and beta 0; BCELoss; Adam
lr 2e-4, betas (0.5, 0.999) per network; batch 128, shuffled every epoch, last partial batch kept (the DataLoader's
default); real label 1, fake 0; per step: D on a real batch (backward), then on G(z) detached (backward, gradients
added), D step; then G on D(the same fake batch) with real labels, G step. Fixed noise: 64 z ~ N(0, 1), drawn after
the weights as in the tutorial.

Input: --data PATH.npy, a uint8 array (N, 64, 64, 3) (already composited over a background), scaled to [-1, 1].
Writes in --out:
  samples/epoch_NNN.png  8x8 grid of G(fixed noise) at each --grid-epochs epoch (and the last), [-1, 1] -> [0, 255],
                         2-px black padding (torchvision's make_grid layout, without its min-max normalisation)
  history.json           per epoch: mean D loss, mean G loss, mean D(x), D(G(z)) before / after the D step,
                         seconds (training steps only), img/s (real images seen / seconds)
  generator.pt           G's state_dict after the last epoch (saved before sampling)
  samples.npy            float32 (--samples, 64, 64, 3) in [0, 1], generated in batches of --batch-size
  run.json               torch / numpy / python versions, threads, CPU model and flags, wall time, sample mode, args

--sample-mode train (default, as the tutorial, which never calls netG.eval()): BatchNorm normalises each generated
batch with its own statistics. eval: BatchNorm uses the running statistics. The mode applies to the grids and to
samples.npy, and is recorded in run.json.

  ${GAN_TORCH_VENV:-~/.cache/gan/torch-venv}/bin/python bench/recipe/dcgan_emoji_torch.py \\
      --data emoji64.npy --epochs 25 --batch-size 128 --seed 999 --threads 2 --out /tmp/emoji-torch
"""
import argparse
import json
import os
import platform
import random
import sys
import time

# OpenMP threads that spin after each parallel region fight other threads on a 2-core machine (see bench/torch_step.py).
# Set before torch loads; an explicit OMP_WAIT_POLICY in the environment wins.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

NZ, NGF, NDF, NC = 100, 64, 64, 3


def generator():
    return nn.Sequential(
        nn.ConvTranspose2d(NZ, NGF * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(NGF * 8), nn.ReLU(True),           # 4x4
        nn.ConvTranspose2d(NGF * 8, NGF * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF * 4), nn.ReLU(True),      # 8x8
        nn.ConvTranspose2d(NGF * 4, NGF * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF * 2), nn.ReLU(True),      # 16x16
        nn.ConvTranspose2d(NGF * 2, NGF, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF), nn.ReLU(True),              # 32x32
        nn.ConvTranspose2d(NGF, NC, 4, 2, 1, bias=False), nn.Tanh())                                            # 64x64


def discriminator():
    return nn.Sequential(
        nn.Conv2d(NC, NDF, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),                               # 32x32
        nn.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * 2), nn.LeakyReLU(0.2, inplace=True),  # 16x16
        nn.Conv2d(NDF * 2, NDF * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * 4), nn.LeakyReLU(0.2, inplace=True),  # 8x8
        nn.Conv2d(NDF * 4, NDF * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * 8), nn.LeakyReLU(0.2, inplace=True),  # 4x4
        nn.Conv2d(NDF * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())                                                # 1x1


def weights_init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def to_unit(images):
    """(N, 3, 64, 64) in [-1, 1] -> float32 numpy (N, 64, 64, 3) in [0, 1]."""
    return ((images + 1) / 2).clamp_(0, 1).permute(0, 2, 3, 1).contiguous().numpy().astype(np.float32)


def write_grid(images, path, columns=8, pad=2):
    """A PNG grid of (N, 64, 64, 3) images in [0, 1], `columns` wide, `pad` black pixels around each."""
    from PIL import Image
    n, h, w, c = images.shape
    rows = (n + columns - 1) // columns
    grid = np.zeros((rows * (h + pad) + pad, columns * (w + pad) + pad, c), dtype=np.uint8)
    for i in range(n):
        r, col = divmod(i, columns)
        y, x = pad + r * (h + pad), pad + col * (w + pad)
        grid[y:y + h, x:x + w] = np.clip(images[i] * 255 + 0.5, 0, 255).astype(np.uint8)
    Image.fromarray(grid, 'RGB').save(path)


def cpu_info():
    model, flags = None, []
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if model is None and line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                elif not flags and line.startswith('flags'):
                    flags = line.split(':', 1)[1].split()
                if model is not None and flags:
                    break
    except OSError:
        pass
    simd = [f for f in ('avx2', 'avx512f', 'avx512_bf16', 'avx512_vnni', 'amx_tile') if f in flags]
    return {'model': model or platform.processor(), 'simdFlags': simd, 'logicalCpus': os.cpu_count()}


def load_images(path):
    data = np.load(path)
    if data.dtype != np.uint8 or data.ndim != 4 or data.shape[1:] != (64, 64, 3):
        raise SystemExit(f'{path}: expected a uint8 array (N, 64, 64, 3), got {data.dtype} {data.shape}')
    # ToTensor (/255) then Normalize(0.5, 0.5) as in the tutorial: x / 127.5 - 1.
    return torch.from_numpy(data).permute(0, 3, 1, 2).float().div_(127.5).sub_(1).contiguous()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--data', required=True, help='uint8 .npy (N, 64, 64, 3)')
    parser.add_argument('--epochs', type=int, default=25)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--seed', type=int, default=999, help='999 as in the tutorial')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--out', required=True)
    parser.add_argument('--grid-epochs', default='1,5,10,25', help='comma-separated epochs to draw (the last always is)')
    parser.add_argument('--samples', type=int, default=10000, help='images in samples.npy (0: none)')
    parser.add_argument('--sample-mode', choices=('train', 'eval'), default='train',
                        help='BatchNorm mode of G for the grids and samples.npy (train: as the tutorial)')
    args = parser.parse_args()
    grid_epochs = {int(e) for e in args.grid_epochs.split(',') if e.strip()} | {args.epochs}

    started = time.time()
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)

    x = load_images(args.data)
    n = len(x)
    # Shuffling has its own generator, so the model/noise stream does not depend on the data size.
    shuffle = torch.Generator().manual_seed(args.seed + 1)

    # Same order of draws as the tutorial: G built and initialised, then D, then the fixed noise.
    g = generator()
    g.apply(weights_init)
    d = discriminator()
    d.apply(weights_init)
    fixed_noise = torch.randn(64, NZ, 1, 1)

    bce = nn.BCELoss()
    real_label, fake_label = 1.0, 0.0
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))

    os.makedirs(os.path.join(args.out, 'samples'), exist_ok=True)
    b = args.batch_size
    steps = (n + b - 1) // b
    print(f'data: {n} images {tuple(x.shape[1:])} from {args.data}; {steps} steps/epoch at batch {b}; '
          f'torch {torch.__version__}, {torch.get_num_threads()} threads; seed {args.seed}', flush=True)

    def generate(z):
        """G(z) without gradients, in --sample-mode; G is left in train mode."""
        with torch.no_grad():
            if args.sample_mode == 'eval':
                g.eval()
            out = g(z)
            g.train()
        return out

    history = []
    train_seconds = 0.0
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        order = torch.randperm(n, generator=shuffle)
        sums = {'d': 0.0, 'g': 0.0, 'dx': 0.0, 'dgz1': 0.0, 'dgz2': 0.0}
        for i in range(steps):
            real = x[order[i * b:(i + 1) * b]]
            bs = real.size(0)
            label = torch.full((bs,), real_label)
            # (1) D: maximise log D(x) + log(1 - D(G(z))), gradients of the real and fake batches added.
            d.zero_grad()
            out = d(real).view(-1)
            err_d_real = bce(out, label)
            err_d_real.backward()
            dx = out.mean().item()
            noise = torch.randn(bs, NZ, 1, 1)
            fake = g(noise)
            label.fill_(fake_label)
            out = d(fake.detach()).view(-1)
            err_d_fake = bce(out, label)
            err_d_fake.backward()
            dgz1 = out.mean().item()
            err_d = err_d_real + err_d_fake
            opt_d.step()
            # (2) G: maximise log D(G(z)) on the same fake batch, through the updated D.
            g.zero_grad()
            label.fill_(real_label)
            out = d(fake).view(-1)
            err_g = bce(out, label)
            err_g.backward()
            dgz2 = out.mean().item()
            opt_g.step()
            sums['d'] += err_d.item()
            sums['g'] += err_g.item()
            sums['dx'] += dx
            sums['dgz1'] += dgz1
            sums['dgz2'] += dgz2
        seconds = time.time() - t0
        train_seconds += seconds
        m = {k: v / steps for k, v in sums.items()}
        entry = {'epoch': epoch, 'discriminatorLoss': m['d'], 'generatorLoss': m['g'], 'dx': m['dx'],
                 'dgz1': m['dgz1'], 'dgz2': m['dgz2'], 'seconds': seconds, 'imagesPerSecond': n / seconds}
        history.append(entry)
        grid = ''
        if epoch in grid_epochs:
            grid_path = os.path.join(args.out, 'samples', f'epoch_{epoch:03d}.png')
            write_grid(to_unit(generate(fixed_noise)), grid_path)
            grid = f'  grid {os.path.relpath(grid_path, args.out)}'
        print(f'epoch {epoch}/{args.epochs}  D {m["d"]:.4f}  G {m["g"]:.4f}  D(x) {m["dx"]:.3f}  '
              f'D(G(z)) {m["dgz1"]:.3f}/{m["dgz2"]:.3f}  {n / seconds:.1f} img/s  {seconds:.1f} s{grid}', flush=True)
        with open(os.path.join(args.out, 'history.json'), 'w') as f:
            json.dump({'epochs': history}, f, indent=2)

    torch.save(g.state_dict(), os.path.join(args.out, 'generator.pt'))
    sample_seconds = 0.0
    if args.samples > 0:
        t0 = time.time()
        chunks = [to_unit(generate(torch.randn(min(b, args.samples - i), NZ, 1, 1)))
                  for i in range(0, args.samples, b)]
        np.save(os.path.join(args.out, 'samples.npy'), np.concatenate(chunks))
        sample_seconds = time.time() - t0

    wall = time.time() - started
    import PIL
    run = {
        'recipe': 'pytorch/tutorials beginner_source/dcgan_faces_tutorial.py',
        'torch': torch.__version__, 'numpy': np.__version__, 'pillow': PIL.__version__,
        'python': platform.python_version(), 'executable': sys.executable,
        'threads': torch.get_num_threads(), 'interopThreads': torch.get_num_interop_threads(),
        'ompWaitPolicy': os.environ.get('OMP_WAIT_POLICY'), 'cpu': cpu_info(),
        'data': os.path.abspath(args.data), 'images': n, 'epochs': args.epochs, 'batchSize': b,
        'stepsPerEpoch': steps, 'dropLast': False, 'seed': args.seed,
        'sampleMode': args.sample_mode, 'samples': args.samples, 'sampleBatch': b,
        'trainSeconds': train_seconds, 'sampleSeconds': sample_seconds, 'wallSeconds': wall,
        'meanImagesPerSecond': n * args.epochs / train_seconds if train_seconds else None,
        'args': vars(args),
    }
    with open(os.path.join(args.out, 'run.json'), 'w') as f:
        json.dump(run, f, indent=2)
    print(f'done in {wall:.0f} s ({train_seconds:.0f} s training): {args.out}/history.json, generator.pt, '
          f'samples/, run.json' + (f', samples.npy ({args.samples}, {args.sample_mode} mode)' if args.samples else ''),
          flush=True)


if __name__ == '__main__':
    main()
