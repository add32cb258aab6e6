"""Continue training an @gan model with PyTorch's DistributedDataParallel, then bring the generator back.

    npx gan export --from runs/dcgan-mnist --discriminator --out export/dcgan-mnist.pt
    torchrun --nproc_per_node 2 examples/pytorch/train_ddp.py --weights export/dcgan-mnist.pt \\
        --data ../shared/data/mnist --steps 200 --out export/ddp-generator.pt    # --backend nccl on GPUs
    npx gan import --model dcgan-mnist --from export/ddp-generator.pt --out runs/dcgan-mnist-ddp
    npx gan sample --from runs/dcgan-mnist-ddp --out ddp.png

`--weights` is the file `gan export --discriminator` wrote ({'generator': state_dict, 'discriminator': state_dict});
beside it, model.py holds the PyTorch modules of the @gan model, with the parameters in the same order. Each process trains on its own shard of the data
(DistributedSampler) with the recipe of the material: Adam 2e-4 / beta1 0.5, BCE on logits (the @gan
discriminators return logits), fresh noise for the G step. Rank 0 writes the generator's state_dict, which
`gan import` reads back. Data: MNIST idx files (`--data DIR`) scaled to the model's output range, or a .npy of
images (N, H, W, C) in [0, 1]; without --data, random images (a smoke test of the path only).
"""
import argparse
import gzip
import importlib.util
import os
import struct

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def load_module(folder):
    spec = importlib.util.spec_from_file_location('gan_export_model', os.path.join(folder, 'model.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_images(path, shape):
    """(N, C, H, W) float32 in [0, 1]."""
    if path is None:
        return torch.rand(512, *shape)
    if path.endswith('.npy'):
        return torch.from_numpy(np.load(path).astype(np.float32)).permute(0, 3, 1, 2).contiguous()
    for stem in ('train-images-idx3-ubyte', 't10k-images-idx3-ubyte'):
        for name in (stem + '.gz', stem):
            file = os.path.join(path, name)
            if os.path.exists(file):
                with (gzip.open if name.endswith('.gz') else open)(file, 'rb') as f:
                    _, n, rows, cols = struct.unpack('>IIII', f.read(16))
                    data = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8)
                return torch.from_numpy(data.reshape(n, 1, rows, cols).astype(np.float32) / 255.0)
    raise SystemExit(f'no MNIST idx files or .npy at {path}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--weights', required=True,
                        help='the file gan export --discriminator wrote (generator and discriminator); model.py beside it')
    parser.add_argument('--data', help='MNIST idx folder or .npy of (N, H, W, C) images in [0, 1]')
    parser.add_argument('--steps', type=int, default=100)
    parser.add_argument('--batch-size', type=int, default=64, help='per process')
    parser.add_argument('--latent', choices=['uniform', 'normal'], default='uniform',
                        help='the noise the model was trained with (uniform for dcgan-mnist)')
    parser.add_argument('--range', choices=['0,1', '-1,1'], default='0,1', help="the model's output range")
    parser.add_argument('--backend', default='gloo', help='gloo (CPU) or nccl (GPUs)')
    parser.add_argument('--out', required=True, help="where rank 0 writes the generator's state_dict")
    args = parser.parse_args()

    dist.init_process_group(args.backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device(f'cuda:{rank % torch.cuda.device_count()}') if args.backend == 'nccl' else torch.device('cpu')
    torch.manual_seed(1 + rank)

    module = load_module(os.path.dirname(os.path.abspath(args.weights)))
    generator = module.load_generator(args.weights).train().to(device)
    discriminator = module.load_discriminator(args.weights).train().to(device)
    g, d = DistributedDataParallel(generator), DistributedDataParallel(discriminator)
    # the latent size: the first layer's input width (Linear: weight (out, in); ConvTranspose: weight (in, out, k, k))
    first = next(m for m in generator.modules() if isinstance(m, (nn.Linear, nn.ConvTranspose2d, nn.Conv2d)))
    latent = first.in_features if isinstance(first, nn.Linear) else first.in_channels
    with torch.no_grad():
        shape = generator(torch.zeros(2, latent, device=device)).shape[1:]
    images = read_images(args.data, shape)
    if args.range == '-1,1':
        images = images * 2 - 1
    sampler = DistributedSampler(TensorDataset(images), num_replicas=world, rank=rank, shuffle=True, seed=0)
    loader = DataLoader(TensorDataset(images), batch_size=args.batch_size, sampler=sampler, drop_last=True)

    def noise(n):
        z = torch.rand(n, latent, device=device) * 2 - 1 if args.latent == 'uniform' else torch.randn(n, latent, device=device)
        return z

    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    step, epoch = 0, 0
    while step < args.steps:
        sampler.set_epoch(epoch)
        for (real,) in loader:
            real = real.to(device)
            n = real.shape[0]
            ones, zeros = torch.ones(n, 1, device=device), torch.zeros(n, 1, device=device)
            d_opt.zero_grad()
            d_loss = bce(d(real), ones) + bce(d(g(noise(n)).detach()), zeros)
            d_loss.backward()
            d_opt.step()
            g_opt.zero_grad()
            g_loss = bce(d(g(noise(n))), ones)
            g_loss.backward()
            g_opt.step()
            step += 1
            if rank == 0 and (step % 20 == 0 or step == args.steps):
                print(f'step {step}/{args.steps}  D {d_loss.item():.4f}  G {g_loss.item():.4f}  ({world} processes)', flush=True)
            if step >= args.steps:
                break
        epoch += 1
    if rank == 0:
        torch.save(generator.state_dict(), args.out)
        print(f'wrote {args.out} (the generator of rank 0; DDP keeps every rank the same)', flush=True)
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
