"""The PyTorch networks that @gan's models reproduce, written as their PyTorch material writes them.

- TutorialG / TutorialD: the DCGAN tutorial (pytorch/tutorials, beginner_source/dcgan_faces_tutorial.py): one
  `main` nn.Sequential, no biases, generalised to 32/64/128 pixels (one stride-2 layer per doubling).
- MnistG / MnistD: the MNIST DCGAN of pytorch-generative-model-collections (`fc` then `deconv`; `conv` then `fc`),
  widths as arguments (1024 / 128 / 64 and 64 / 128 / 1024 in the material).
- MlpG / MlpD: the MLP GAN (100 → 256 → 512 → 1024 → 784, LeakyReLU 0.2, tanh; D 784 → 512 → 256 → 1).
- CganMlpG / CganMlpD: the conditional MLP GAN: the one-hot label joined to z, and to D's flattened input.
- CganTutorialG / CganTutorialD: the conditional tutorial DCGAN: z and label → 1×1, label maps joined to D's input.

All discriminators return logits (no sigmoid), as @gan's do.
"""
import torch
import torch.nn as nn


def tutorial_generator_layers(nz, ngf, nc, size):
    k = {32: 3, 64: 4, 128: 5}[size]
    layers = [nn.ConvTranspose2d(nz, ngf * 2 ** (k - 1), 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2 ** (k - 1)), nn.ReLU(True)]
    for i in range(k - 2, -1, -1):
        layers += [nn.ConvTranspose2d(ngf * 2 ** (i + 1), ngf * 2 ** i, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2 ** i), nn.ReLU(True)]
    layers += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
    return layers


def tutorial_discriminator_layers(ndf, nc, size):
    k = {32: 3, 64: 4, 128: 5}[size]
    layers = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
    for i in range(1, k):
        layers += [nn.Conv2d(ndf * 2 ** (i - 1), ndf * 2 ** i, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2 ** i), nn.LeakyReLU(0.2, inplace=True)]
    layers += [nn.Conv2d(ndf * 2 ** (k - 1), 1, 4, 1, 0, bias=False)]
    return layers


class TutorialG(nn.Module):
    def __init__(self, nz=100, ngf=64, nc=3, size=64):
        super().__init__()
        self.main = nn.Sequential(*tutorial_generator_layers(nz, ngf, nc, size))

    def forward(self, z):
        return self.main(z.view(z.shape[0], -1, 1, 1))


class TutorialD(nn.Module):
    def __init__(self, ndf=64, nc=3, size=64):
        super().__init__()
        self.main = nn.Sequential(*tutorial_discriminator_layers(ndf, nc, size))

    def forward(self, x):
        return self.main(x).view(-1, 1)


class MnistG(nn.Module):
    def __init__(self, nz=62, hidden=1024, features=128, filters=64, nc=1, size=28):
        super().__init__()
        self.features, self.cells = features, size // 4
        self.fc = nn.Sequential(
            nn.Linear(nz, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
            nn.Linear(hidden, features * self.cells * self.cells), nn.BatchNorm1d(features * self.cells * self.cells), nn.ReLU(),
        )
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(features, filters, 4, 2, 1), nn.BatchNorm2d(filters), nn.ReLU(),
            nn.ConvTranspose2d(filters, nc, 4, 2, 1), nn.Sigmoid(),
        )

    def forward(self, z):
        x = self.fc(z).view(-1, self.features, self.cells, self.cells)
        return self.deconv(x)


class MnistD(nn.Module):
    def __init__(self, filters1=64, filters2=128, hidden=1024, nc=1, size=28):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(nc, filters1, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(filters1, filters2, 4, 2, 1), nn.BatchNorm2d(filters2), nn.LeakyReLU(0.2),
        )
        self.fc = nn.Sequential(
            nn.Linear(filters2 * (size // 4) ** 2, hidden), nn.BatchNorm1d(hidden), nn.LeakyReLU(0.2),
            nn.Linear(hidden, 1),
        )

    def forward(self, x):
        return self.fc(torch.flatten(self.conv(x), 1))


def mlp(sizes, last):
    layers = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
    layers += [nn.Linear(sizes[-2], sizes[-1])]
    if last is not None:
        layers.append(last)
    return nn.Sequential(*layers)


class MlpG(nn.Module):
    def __init__(self, nz=100, hidden=(256, 512, 1024), shape=(1, 28, 28)):
        super().__init__()
        self.shape = shape
        self.model = mlp([nz, *hidden, shape[0] * shape[1] * shape[2]], nn.Tanh())

    def forward(self, z):
        return self.model(z).view(-1, *self.shape)


class MlpD(nn.Module):
    def __init__(self, shape=(1, 28, 28), hidden=(512, 256)):
        super().__init__()
        self.model = mlp([shape[0] * shape[1] * shape[2], *hidden, 1], None)

    def forward(self, x):
        return self.model(torch.flatten(x, 1))


class CganMlpG(nn.Module):
    def __init__(self, nz=100, classes=10, hidden=(256, 512, 1024), shape=(1, 28, 28)):
        super().__init__()
        self.shape = shape
        self.model = mlp([nz + classes, *hidden, shape[0] * shape[1] * shape[2]], nn.Tanh())

    def forward(self, z, labels):
        return self.model(torch.cat([z, labels], 1)).view(-1, *self.shape)


class CganMlpD(nn.Module):
    def __init__(self, shape=(1, 28, 28), classes=10, hidden=(512, 256)):
        super().__init__()
        self.model = mlp([shape[0] * shape[1] * shape[2] + classes, *hidden, 1], None)

    def forward(self, x, labels):
        return self.model(torch.cat([torch.flatten(x, 1), labels], 1))


class CganTutorialG(nn.Module):
    def __init__(self, nz=100, classes=10, ngf=64, nc=3, size=64):
        super().__init__()
        self.main = nn.Sequential(*tutorial_generator_layers(nz + classes, ngf, nc, size))

    def forward(self, z, labels):
        x = torch.cat([z, labels], 1)
        return self.main(x.view(x.shape[0], -1, 1, 1))


class CganTutorialD(nn.Module):
    def __init__(self, classes=10, ndf=64, nc=3, size=64):
        super().__init__()
        self.size = size
        self.main = nn.Sequential(*tutorial_discriminator_layers(ndf, nc + classes, size))

    def forward(self, x, labels):
        maps = labels[:, :, None, None].expand(-1, -1, self.size, self.size)
        return self.main(torch.cat([x, maps], 1)).view(-1, 1)


def randomise(module, conditional=False, nz=0, classes=0, shape=None):
    """Random weights (N(0, 0.3)) and batch-norm statistics, so that every layout mistake shows in the outputs."""
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            if name.endswith('num_batches_tracked'):
                tensor.fill_(7)
            elif name.endswith('running_var'):
                tensor.uniform_(0.5, 1.5)
            elif name.endswith('running_mean'):
                tensor.normal_(0, 0.2)
            elif name.endswith('.weight') and tensor.dim() == 1:
                tensor.normal_(1, 0.2)
            else:
                tensor.normal_(0, 0.3)
