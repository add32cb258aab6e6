"""The PyTorch side of bench/torch-interop/verify.mjs (full-size models; see there).

  reference --out DIR   for each case: the PyTorch network of the material at full size (reference_models.py) with
                        the DCGAN init and random batch-norm statistics, saved by torch.save(state_dict) as
                        DIR/<case>/reference.pt; z.npy (and the one-hot labels i mod classes); images.npy, its
                        outputs in eval mode, NHWC, in the model's output range; cases.json
  roundtrip --dir DIR   for each case: model.py + the export (DIR/<case>/export/model.pt and model.safetensors,
                        written by gan export) loaded with load_generator, images for the same z, max abs difference
                        to images.npy; printed as JSON
"""
import argparse
import importlib.util
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from reference_models import CganMlpG, CganTutorialG, MlpG, MnistG, TutorialG  # noqa: E402

N = 16

# name, @gan model, gan import flags, PyTorch module, latent size, noise, classes
CASES = [
    ('dcgan', 'dcgan', [], lambda: TutorialG(100, 64, 3, 64), 100, 'normal', 0),
    ('dcgan-mnist', 'dcgan-mnist', [], lambda: MnistG(62, 1024, 128, 64, 1), 62, 'uniform', 0),
    ('mlp', 'mlp', [], lambda: MlpG(100, (256, 512, 1024), (1, 28, 28)), 100, 'normal', 0),
    ('cgan', 'cgan', ['--variant', 'mlp', '--num-classes', '10'], lambda: CganMlpG(100, 10, (256, 512, 1024), (1, 28, 28)), 100, 'normal', 10),
    ('cgan-tutorial', 'cgan', ['--variant', 'tutorial', '--num-classes', '9'], lambda: CganTutorialG(100, 9, 64, 3, 64), 100, 'normal', 9),
]


def init(module):
    """The DCGAN init (conv and linear weights N(0, 0.02), BN gamma N(1, 0.02), beta 0), biases N(0, 0.02), and batch-norm
    statistics from a few batches in training mode, so that eval mode uses non-trivial running statistics."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.normal_(m.bias, 0.0, 0.02)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.normal_(m.bias, 0.0, 0.02)


def inputs(latent, noise, classes, n, generator):
    z = torch.rand(n, latent, generator=generator) * 2 - 1 if noise == 'uniform' else torch.randn(n, latent, generator=generator)
    labels = torch.eye(classes)[torch.arange(n) % classes] if classes else None
    return z, labels


def reference(out):
    cases = []
    for name, model, flags, build, latent, noise, classes in CASES:
        torch.manual_seed(11)
        module = build()
        init(module)
        module.train()
        with torch.no_grad():
            for _ in range(3):
                z, labels = inputs(latent, noise, classes, 32, None)
                module(z) if labels is None else module(z, labels)
        module.eval()
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        torch.save(module.state_dict(), os.path.join(folder, 'reference.pt'))
        z, labels = inputs(latent, noise, classes, N, torch.Generator().manual_seed(5))
        with torch.no_grad():
            images = module(z) if labels is None else module(z, labels)
        np.save(os.path.join(folder, 'z.npy'), z.numpy().astype(np.float32))
        np.save(os.path.join(folder, 'images.npy'), images.permute(0, 2, 3, 1).contiguous().numpy().astype(np.float32))
        cases.append({'name': name, 'model': model, 'flags': flags, 'classes': classes,
                      'parameters': sum(p.numel() for p in module.parameters())})
        print(f'{name}: {cases[-1]["parameters"]:,} parameters, images {tuple(images.shape)}', flush=True)
    with open(os.path.join(out, 'cases.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'cases': cases}, f, indent=2)


def roundtrip(folder):
    results = {}
    for name, _, _, _, latent, noise, classes in CASES:
        case = os.path.join(folder, name)
        if not os.path.exists(os.path.join(case, 'export', 'model.py')):
            continue
        spec = importlib.util.spec_from_file_location(f'export_{name.replace("-", "_")}', os.path.join(case, 'export', 'model.py'))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        expected = np.load(os.path.join(case, 'images.npy'))
        z = torch.from_numpy(np.load(os.path.join(case, 'z.npy')))
        labels = torch.eye(classes)[torch.arange(z.shape[0]) % classes] if classes else None
        results[name] = {}
        for file in ('model.pt', 'model.safetensors'):
            generator = module.load_generator(os.path.join(case, 'export', file))
            discriminator = module.load_discriminator(os.path.join(case, 'export', file))
            with torch.no_grad():
                images = generator(z) if labels is None else generator(z, labels)
                logits = discriminator(images) if labels is None else discriminator(images, labels)
            diff = float(np.abs(images.permute(0, 2, 3, 1).numpy() - expected).max())
            results[name][file] = {'maxAbsDiff': diff, 'logitsFinite': bool(torch.isfinite(logits).all())}
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest='command', required=True)
    sub.add_parser('reference').add_argument('--out', required=True)
    sub.add_parser('roundtrip').add_argument('--dir', required=True)
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.command == 'reference':
        reference(args.out)
    else:
        roundtrip(args.dir)


if __name__ == '__main__':
    main()
