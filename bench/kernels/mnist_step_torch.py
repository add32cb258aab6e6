"""The MNIST DCGAN train step of mnist-step.mjs in PyTorch, for the ratio it prints.

    /usr/bin/python3 bench/kernels/mnist_step_torch.py [--batches 16,64] [--steps 5] [--warmup 2] [--threads 2]

Same model: G z=62 -> FC 1024+BN+ReLU -> FC 7*7*128+BN+ReLU -> ConvT 64 (k4 s2 p1)+BN+ReLU ->
ConvT 1 (k4 s2 p1)+sigmoid; D Conv 64 (k4 s2 p1) LReLU 0.2 -> Conv 128 (k4 s2 p1)+BN+LReLU ->
FC 1024+BN+LReLU -> FC 1. Adam 2e-4/0.5, BCE with logits, one D step (real + fake) and one
G step with fresh noise per train step.
"""
import argparse
import time

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--batches", default="16,64")
parser.add_argument("--steps", type=int, default=5)
parser.add_argument("--warmup", type=int, default=2)
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)
latent_dim = 62


def generator():
    return nn.Sequential(
        nn.Linear(latent_dim, 1024), nn.BatchNorm1d(1024), nn.ReLU(),
        nn.Linear(1024, 7 * 7 * 128), nn.BatchNorm1d(7 * 7 * 128), nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Sigmoid(),
    )


def discriminator():
    return nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(128 * 7 * 7, 1024), nn.BatchNorm1d(1024), nn.LeakyReLU(0.2),
        nn.Linear(1024, 1),
    )


def measure(batch):
    g, d = generator(), discriminator()
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    loss = nn.BCEWithLogitsLoss()
    real = torch.rand(batch, 1, 28, 28)
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)

    def step():
        z = torch.randn(batch, latent_dim)
        opt_d.zero_grad()
        fake = g(z).detach()
        d_loss = loss(d(real), ones) + loss(d(fake), zeros)
        d_loss.backward()
        opt_d.step()
        z = torch.randn(batch, latent_dim)
        opt_g.zero_grad()
        g_loss = loss(d(g(z)), ones)
        g_loss.backward()
        opt_g.step()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2]
    return median, times[0]


print(f"pytorch {torch.__version__}, {torch.get_num_threads()} threads")
for batch in [int(b) for b in args.batches.split(",")]:
    median, best = measure(batch)
    print(f"  batch {batch:3d}: {median * 1000:6.0f} ms/step {batch / median:6.1f} img/s (best {batch / best:.1f})")
