"""PyTorch reference for bench/run.mjs: times the same GAN train step (D on real + fake, then G with fresh noise)
with the same models, on CPU with 2 threads (or CUDA with --device cuda). Prints one JSON line per case: the median
step time over about --seconds of steps after a warm-up step."""
import argparse
import json
import os
import resource
import statistics
import time

# OpenMP threads that spin after each parallel region fight OpenBLAS's own (pthread) threads on a 2-core machine:
# with passive waiting PyTorch is 1.3-1.8x faster here and far steadier (MNIST DCGAN batch 64: 70 -> 116 img/s).
# Set before torch loads; an explicit OMP_WAIT_POLICY in the environment wins.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


def init_weights(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def mnist_dcgan(z=62):
    g = nn.Sequential(
        nn.Linear(z, 1024), nn.BatchNorm1d(1024), nn.ReLU(),
        nn.Linear(1024, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Sigmoid())
    d = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1024), nn.BatchNorm1d(1024), nn.LeakyReLU(0.2),
        nn.Linear(1024, 1))
    return g, d, z, (1, 28, 28)


def dcgan64(z=100, ngf=64, ndf=64, nc=3):
    g = nn.Sequential(
        nn.Unflatten(1, (z, 1, 1)),
        nn.ConvTranspose2d(z, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Flatten())
    return g, d, z, (nc, 64, 64)


def time_case(name, batch, steps, warmup, device):
    g, d, z, shape = mnist_dcgan() if name == 'dcgan-mnist' else dcgan64()
    g.apply(init_weights); d.apply(init_weights)
    g.to(device); d.to(device)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real = torch.rand((batch,) + shape, device=device)
    ones = torch.ones(batch, 1, device=device)
    zeros = torch.zeros(batch, 1, device=device)

    def step():
        opt_d.zero_grad()
        fake = g(torch.randn(batch, z, device=device)).detach()
        loss_d = bce(d(real), ones) + bce(d(fake), zeros)
        loss_d.backward(); opt_d.step()
        opt_g.zero_grad()
        loss_g = bce(d(g(torch.randn(batch, z, device=device))), ones)
        loss_g.backward(); opt_g.step()
        return loss_d.item() + loss_g.item()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        if device == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        step()
        if device == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    # The median step, not the mean: a VM's stolen time lands on a few steps and should not move the reference.
    seconds = statistics.median(times)
    return {'model': name, 'batch': batch, 'secondsPerStep': seconds, 'imagesPerSecond': batch / seconds}


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--cases', default='dcgan-mnist:16,dcgan-mnist:64,dcgan-mnist:128,dcgan64:16')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seconds', type=float, default=4.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for case in args.cases.split(','):
        name, batch = case.split(':')
        batch = int(batch)
        probe = time_case(name, batch, 1, 1, args.device)
        steps = max(3, min(50, int(args.seconds / probe['secondsPerStep'])))
        result = time_case(name, batch, steps, 1, args.device)
        result.update({'threads': args.threads, 'device': args.device, 'torch': torch.__version__, 'steps': steps,
                       # the process's peak so far (Linux: KiB); bench/run.mjs runs one case per process to compare
                       'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                       'ompWaitPolicy': os.environ.get('OMP_WAIT_POLICY')})
        print(json.dumps(result), flush=True)
