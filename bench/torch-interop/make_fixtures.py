"""Writes the PyTorch fixtures of @gan's weight import/export tests (packages/models/src/testing/torch-fixtures/).

Narrow versions of the PyTorch networks that @gan's models reproduce, written as their PyTorch material writes them
(the DCGAN tutorial's `main` Sequential, the MNIST DCGAN's `fc`/`deconv` and `conv`/`fc`, the MLP GAN, the
conditional MLP GAN and the conditional tutorial DCGAN), with random weights and batch-norm statistics, saved by
`torch.save(module.state_dict(), path)`; for each: fixed inputs and the module's outputs in eval mode. Plus the
file variants the importer must read or refuse. Run once with PyTorch from pip (bench/setup-torch.sh):

  ${GAN_TORCH_VENV:-~/.cache/gan/torch-venv}/bin/python bench/torch-interop/make_fixtures.py

`manifest.json` lists each case: the @gan model and options that build the same network, and the files.
"""
import io
import json
import os
import sys
import zipfile

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from reference_models import (  # noqa: E402
    CganMlpD, CganMlpG, CganTutorialD, CganTutorialG, MlpD, MlpG, MnistD, MnistG, TutorialD, TutorialG, randomise,
)

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'models', 'src', 'testing', 'torch-fixtures')


def save_npy(path, array):
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))


def case(name, gan_model, gan_options, generator, discriminator, z, labels, image_shape, seed):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(seed)
    for module in (generator, discriminator):
        randomise(module, labels is not None, z.shape[1], labels.shape[1] if labels is not None else 0, image_shape)
    generator.eval()
    discriminator.eval()
    torch.save(generator.state_dict(), os.path.join(folder, 'generator.pt'))
    torch.save(discriminator.state_dict(), os.path.join(folder, 'discriminator.pt'))
    with torch.no_grad():
        g_args = (z,) if labels is None else (z, labels)
        images = generator(*g_args)
        d_args = (images,) if labels is None else (images, labels)
        logits = discriminator(*d_args)
    save_npy(os.path.join(folder, 'z.npy'), z.numpy())
    if labels is not None:
        save_npy(os.path.join(folder, 'labels.npy'), labels.numpy())
    # NCHW → NHWC, as @gan's images are (for an MLP the generator's output is already (N, C, H, W) from a view)
    save_npy(os.path.join(folder, 'images.npy'), images.permute(0, 2, 3, 1).numpy())
    save_npy(os.path.join(folder, 'logits.npy'), logits.reshape(-1, 1).numpy())
    return {
        'name': name,
        'model': gan_model,
        'options': gan_options,
        'generatorKeys': list(generator.state_dict().keys()),
        'discriminatorKeys': list(discriminator.state_dict().keys()),
    }, generator


def main():
    torch.manual_seed(0)
    cases = []
    n = 4
    # 1. The DCGAN tutorial at 32x32, nz 8, ngf = ndf = 4, 3 channels.
    z = torch.randn(n, 8)
    entry, tutorial_g = case('dcgan', 'dcgan', {'imageSize': 32, 'latentDim': 8, 'ngf': 4, 'ndf': 4, 'channels': 3},
                             TutorialG(8, 4, 3, 32), TutorialD(4, 3, 32), z, None, (3, 32, 32), 1)
    cases.append(entry)
    # 2. The MNIST DCGAN (fc / deconv, conv / fc) at 28x28, z of 6 uniform, narrow widths.
    z = torch.rand(n, 6) * 2 - 1
    widths = {'generator': {'hidden': 16, 'features': 4, 'filters': 3}, 'discriminator': {'filters': [3, 4], 'hidden': 8}}
    entry, _ = case('dcgan-mnist', 'dcgan-mnist', {'latentDim': 6, 'widths': widths},
                    MnistG(6, 16, 4, 3, 1), MnistD(3, 4, 8, 1), z, None, (1, 28, 28), 2)
    cases.append(entry)
    # 3. The MLP GAN on 4x4x3 images (so that the (C, H, W) order matters), narrow.
    z = torch.randn(n, 8)
    hidden = {'generator': [8, 12, 16], 'discriminator': [12, 8]}
    entry, _ = case('mlp', 'mlp', {'latentDim': 8, 'imageShape': [4, 4, 3], 'hidden': hidden},
                    MlpG(8, [8, 12, 16], (3, 4, 4)), MlpD((3, 4, 4), [12, 8]), z, None, (3, 4, 4), 3)
    cases.append(entry)
    # 4. The conditional MLP GAN: the one-hot label joined to z and to D's flattened input.
    z = torch.randn(n, 8)
    labels = torch.eye(3)[torch.tensor([0, 1, 2, 1])]
    entry, _ = case('cgan', 'cgan', {'variant': 'mlp', 'numClasses': 3, 'latentDim': 8, 'imageShape': [4, 4, 3], 'hidden': hidden},
                    CganMlpG(8, 3, [8, 12, 16], (3, 4, 4)), CganMlpD((3, 4, 4), 3, [12, 8]), z, labels, (3, 4, 4), 4)
    cases.append(entry)
    # 5. The conditional tutorial DCGAN: label maps joined to the image channels.
    z = torch.randn(n, 8)
    entry, _ = case('cgan-tutorial', 'cgan',
                    {'variant': 'tutorial', 'numClasses': 3, 'latentDim': 8, 'imageSize': 32, 'ngf': 4, 'ndf': 4, 'channels': 3},
                    CganTutorialG(8, 3, 4, 3, 32), CganTutorialD(3, 4, 3, 32), z, labels, (3, 32, 32), 5)
    cases.append(entry)

    # Variants of one file (the tutorial generator) that the importer reads.
    folder = os.path.join(OUT, 'dcgan')
    state = tutorial_g.state_dict()
    torch.save({'netG': state, 'epoch': 5, 'note': 'a checkpoint dict'}, os.path.join(folder, 'checkpoint.pt'))
    torch.save(state, os.path.join(folder, 'generator-protocol4.pt'), pickle_protocol=4)
    torch.save({k: v.half() if v.is_floating_point() else v for k, v in state.items()}, os.path.join(folder, 'generator-float16.pt'))
    torch.save({k: v.bfloat16() if v.is_floating_point() else v for k, v in state.items()}, os.path.join(folder, 'generator-bfloat16.pt'))
    # The layout of torch 1.6 - 1.12: the prefix `archive/`, no .format_version, .storage_alignment or serialization_id.
    with zipfile.ZipFile(os.path.join(folder, 'generator.pt')) as current:
        prefix = current.namelist()[0].split('/')[0]
        with zipfile.ZipFile(os.path.join(folder, 'generator-legacy-layout.pt'), 'w', zipfile.ZIP_STORED) as legacy:
            for info in current.infolist():
                rest = info.filename[len(prefix) + 1:]
                if rest in ('.format_version', '.storage_alignment', '.data/serialization_id'):
                    continue
                legacy.writestr('archive/' + rest, current.read(info.filename))
    reloaded = torch.load(os.path.join(folder, 'generator-legacy-layout.pt'), weights_only=True)
    assert all(torch.equal(reloaded[k], state[k]) for k in state), 'the legacy layout does not load back'
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in state.items()}, os.path.join(folder, 'generator.safetensors'))

    # Files the importer must refuse.
    bad = os.path.join(OUT, 'bad')
    os.makedirs(bad, exist_ok=True)

    class Sneaky:
        def __reduce__(self):
            return (eval, ('1 + 1',))

    torch.save({'weight': torch.zeros(2), 'payload': Sneaky()}, os.path.join(bad, 'unknown-global.pt'))
    torch.save({'weight': torch.zeros(3, dtype=torch.int8)}, os.path.join(bad, 'int8.pt'))
    buffer = io.BytesIO()
    torch.save(state, buffer, _use_new_zipfile_serialization=False)
    with open(os.path.join(bad, 'legacy-format.pt'), 'wb') as f:
        f.write(buffer.getvalue())

    manifest = {
        'about': 'Written by bench/torch-interop/make_fixtures.py with torch ' + torch.__version__ + '; do not edit.',
        'torch': torch.__version__,
        'cases': cases,
    }
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(OUT) for name in names)
    print(f'wrote {OUT}: {len(cases)} cases, {total / 1024:.0f} KiB')


if __name__ == '__main__':
    main()
