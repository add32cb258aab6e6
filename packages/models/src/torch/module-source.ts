import { GanError } from '@gan/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { inputsOf, outputShape, torchModuleNames, torchModules } from './layout.js';

type Layer = tfl.layers.Layer;

/** A layer's config as tfjs serialises it (snake_case keys are camelCase in getConfig). */
const configOf = (layer: Layer) => layer.getConfig() as Record<string, unknown>;

/** PyTorch padding for a tfjs convolution: `valid` → 0; `same` → (k − s) / 2 on each side (when it is whole). */
function padding(layer: Layer, kernel: number, stride: number): number {
  const mode = configOf(layer).padding;
  if (mode === 'valid') return 0;
  const total = kernel - stride; // the same for convolutions and transposed ones
  if (total < 0 || total % 2 !== 0) {
    throw new GanError(
      'UNSUPPORTED',
      `Layer ${layer.name} pads 'same' with kernel ${kernel} and stride ${stride}, which PyTorch cannot pad symmetrically.`,
    );
  }
  return total / 2;
}

const pair = (value: unknown) => (Array.isArray(value) ? (value[0] as number) : (value as number));

/**
 * One PyTorch `nn.Module` class (Python source) computing what the tfjs model computes, in NCHW, with its weighted
 * layers as attributes in the model's order — so that its `state_dict()` has the parameters in the order
 * `exportTorchWeights` writes them and `importTorchWeights` reads them.
 */
function moduleClass(model: tfl.LayersModel, className: string): string {
  const modules = torchModules(model);
  const names = torchModuleNames(modules);
  const attribute = new Map(modules.map((m, i) => [m.layer, names[i]!]));
  const init: string[] = [];
  const forward: string[] = [];
  const variable = new Map<Layer, string>();
  // forward()'s arguments in the order of the model's inputs (which need not be the order of its layers)
  const argName = (layer: Layer) => layer.name.replace(/[^A-Za-z0-9_]/g, '_');
  const args = (model.inputLayers as Layer[]).map(argName);
  model.layers.forEach((layer, index) => {
    const kind = layer.getClassName();
    const config = configOf(layer);
    const inputs = inputsOf(layer).map((input) => variable.get(input)!);
    const x = inputs[0];
    const shape = outputShape(layer);
    const name = attribute.get(layer);
    let expression: string;
    switch (kind) {
      case 'InputLayer': {
        variable.set(layer, argName(layer));
        return;
      }
      case 'Dense': {
        const [inputs0, units] = layer.weights[0]!.shape as number[];
        init.push(`self.${name} = nn.Linear(${inputs0}, ${units}, bias=${config.useBias ? 'True' : 'False'})`);
        expression = `self.${name}(${x})`;
        break;
      }
      case 'Conv2D':
      case 'Conv2DTranspose': {
        const transposed = kind === 'Conv2DTranspose';
        const [kh, kw, a, b] = layer.weights[0]!.shape as number[];
        const kernel = kh!;
        const stride = pair(config.strides);
        if (kh !== kw || ![config.dilationRate].flat().every((d) => d == null || d === 1)) {
          throw new GanError(
            'UNSUPPORTED',
            `Layer ${layer.name}: only square kernels without dilation are written to PyTorch.`,
          );
        }
        const pad = padding(layer, kernel, stride);
        const [inChannels, outChannels] = transposed ? [b, a] : [a, b];
        const cls = transposed ? 'nn.ConvTranspose2d' : 'nn.Conv2d';
        init.push(
          `self.${name} = ${cls}(${inChannels}, ${outChannels}, ${kernel}, ${stride}, ${pad}, bias=${config.useBias ? 'True' : 'False'})`,
        );
        expression = `self.${name}(${x})`;
        break;
      }
      case 'BatchNormalization': {
        const features = layer.weights[0]!.shape[0];
        const cls = shape.length === 1 ? 'nn.BatchNorm1d' : 'nn.BatchNorm2d';
        const momentum = 1 - (config.momentum as number);
        init.push(
          `self.${name} = ${cls}(${features}, eps=${config.epsilon}, momentum=${Number(momentum.toPrecision(6))})`,
        );
        expression = `self.${name}(${x})`;
        break;
      }
      case 'Activation': {
        const activation = config.activation as string;
        const functions: Record<string, string> = { tanh: 'torch.tanh', sigmoid: 'torch.sigmoid', relu: 'torch.relu' };
        if (activation === 'linear') expression = `${x}`;
        else if (functions[activation] !== undefined) expression = `${functions[activation]}(${x})`;
        else
          throw new GanError('UNSUPPORTED', `Layer ${layer.name}: activation ${activation} is not written to PyTorch.`);
        break;
      }
      case 'ReLU':
        if (config.maxValue != null)
          throw new GanError('UNSUPPORTED', `Layer ${layer.name}: a capped ReLU is not written to PyTorch.`);
        expression = `torch.relu(${x})`;
        break;
      case 'LeakyReLU':
        expression = `F.leaky_relu(${x}, ${config.alpha})`;
        break;
      case 'Dropout':
        expression = `F.dropout(${x}, ${config.rate}, self.training)`;
        break;
      case 'Flatten':
        expression = `torch.flatten(${x}, 1)`;
        break;
      case 'Reshape':
        expression =
          shape.length === 3
            ? `${x}.view(-1, ${shape[2]}, ${shape[0]}, ${shape[1]})`
            : `${x}.view(-1, ${shape.join(', ')})`;
        break;
      case 'Concatenate':
        expression = `torch.cat([${inputs.join(', ')}], 1)`;
        break;
      case 'LabelMap':
        expression = `${x}[:, :, None, None].expand(-1, -1, ${shape[0]}, ${shape[1]})`;
        break;
      default:
        throw new GanError('UNSUPPORTED', `Layer ${layer.name} (${kind}) is not written to PyTorch.`);
    }
    const out = `x${index}`;
    forward.push(`${out} = ${expression}`);
    variable.set(layer, out);
  });
  const output = variable.get(model.outputLayers[0] as Layer)!;
  return [
    `class ${className}(nn.Module):`,
    `    """${model.name}: the @gan tfjs model in NCHW (inputs ${args.join(', ')}; images (N, C, H, W))."""`,
    '',
    '    def __init__(self):',
    '        super().__init__()',
    ...init.map((line) => `        ${line}`),
    '',
    `    def forward(self, ${args.join(', ')}):`,
    ...forward.map((line) => `        ${line}`),
    `        return ${output}`,
  ].join('\n');
}

/**
 * Python source of a `model.py` holding `Generator` (and `Discriminator`) as PyTorch modules of the given tfjs
 * models, with the same parameter order as `exportTorchWeights`, and `load_generator(path)`.
 */
export function torchModuleSource(
  models: { generator: tfl.LayersModel; discriminator?: tfl.LayersModel },
  title: string,
): string {
  const header = [
    `"""PyTorch modules of the @gan model ${title}, written by @gan (gan export).`,
    '',
    'The parameters are in the order of the tfjs model, so `Generator().load_state_dict(torch.load(path))` takes the',
    'exported file. Inputs and outputs are NCHW; conditional models take one-hot float labels as a second input.',
    '"""',
    'import torch',
    'import torch.nn as nn',
    'import torch.nn.functional as F',
    '',
  ];
  const classes = [moduleClass(models.generator, 'Generator')];
  if (models.discriminator !== undefined) classes.push(moduleClass(models.discriminator, 'Discriminator'));
  const loader = [
    'def _state_dict(path):',
    "    if str(path).endswith('.safetensors'):",
    '        from safetensors.torch import load_file',
    '        return load_file(str(path))',
    "    return torch.load(path, map_location='cpu', weights_only=True)",
    '',
    '',
    'def _part(state, key):',
    '    """A file of several models (gan export --discriminator) holds one state_dict per key."""',
    '    if key in state and isinstance(state[key], dict):',
    '        return state[key]',
    "    prefix = key + '.'",
    '    if any(name.startswith(prefix) for name in state):',
    '        return {name[len(prefix):]: value for name, value in state.items() if name.startswith(prefix)}',
    '    return state',
    '',
    '',
    'def load_generator(path):',
    '    """The exported generator, in eval mode (batch norm with its running statistics)."""',
    '    generator = Generator()',
    "    generator.load_state_dict(_part(_state_dict(path), 'generator'))",
    '    return generator.eval()',
  ];
  if (models.discriminator !== undefined) {
    loader.push(
      '',
      '',
      'def load_discriminator(path):',
      '    discriminator = Discriminator()',
      "    discriminator.load_state_dict(_part(_state_dict(path), 'discriminator'))",
      '    return discriminator.eval()',
    );
  }
  return `${[...header, '', ...classes.flatMap((c) => [c, '', '']), ...loader].join('\n')}\n`;
}
