import { GanError } from '@gan/core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * How a tfjs model's weights correspond to the parameters of the same network in PyTorch, layer by layer in the
 * model's order (the order of a PyTorch module that builds the same layers in the same order):
 *
 * - Dense `[in, out]` ← Linear `(out, in)`, transposed;
 * - Conv2D `[h, w, in, out]` ← Conv2d `(out, in, h, w)`, and Conv2DTranspose `[h, w, out, in]` ← ConvTranspose2d
 *   `(in, out, h, w)`: both the axis order (2, 3, 1, 0);
 * - BatchNormalization γ, β, moving mean, moving variance ← weight, bias, running_mean, running_var (PyTorch's
 *   `num_batches_tracked` is skipped on import and written as 0 on export);
 * - the channel order of features: PyTorch flattens and reshapes (C, H, W), tfjs (H, W, C). A dense layer fed by a
 *   flatten of an image takes its input rows in PyTorch's order, and a dense layer whose output is reshaped to an
 *   image (through batch norm and activations) its output columns; a batch norm between them follows.
 */

type Layer = tfl.layers.Layer;

/** One parameter: where it lives in tfjs, its PyTorch shape, and the two conversions. */
export interface TorchParameter {
  /** The tfjs layer and the index of this weight in `layer.getWeights()`. */
  layer: Layer;
  weightIndex: number;
  /** The PyTorch attribute: weight | bias | running_mean | running_var. */
  attribute: 'weight' | 'bias' | 'running_mean' | 'running_var';
  torchShape: number[];
  /** PyTorch's contiguous values → tfjs's. */
  toTf(values: ArrayLike<number>): Float32Array;
  /** tfjs's values → PyTorch's. */
  fromTf(values: ArrayLike<number>): Float32Array;
}

/** The parameters of one PyTorch module (one tfjs layer with weights). */
export interface TorchModule {
  layer: Layer;
  kind: 'linear' | 'conv' | 'conv_transpose' | 'batch_norm';
  parameters: TorchParameter[];
  /** Batch norm: PyTorch also has `num_batches_tracked`. */
  tracksBatches: boolean;
}

/** Layers without weights that leave the feature order alone. */
const passThrough = new Set(['Activation', 'ReLU', 'LeakyReLU', 'Dropout', 'BatchNormalization']);

/** The classes this mapping knows; others are refused with the layer's name. */
export const supportedLayers = new Set([
  'InputLayer',
  'Dense',
  'Conv2D',
  'Conv2DTranspose',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'Dropout',
  'Flatten',
  'Reshape',
  'Concatenate',
  'LabelMap',
]);

export const inputsOf = (layer: Layer): Layer[] => {
  if (layer.inboundNodes.length > 1) {
    throw new GanError(
      'UNSUPPORTED',
      `Layer ${layer.name} is used more than once; shared layers have no PyTorch mapping here.`,
    );
  }
  return (layer.inboundNodes[0]?.inboundLayers ?? []) as Layer[];
};

export const outputShape = (layer: Layer): number[] => (layer.outputShape as number[]).slice(1);

/** tfjs (H, W, C) flat index → PyTorch (C, H, W) flat index. */
function hwcToChw(height: number, width: number, channels: number): Int32Array | undefined {
  if (channels === 1 || height * width === 1) return undefined;
  const perm = new Int32Array(height * width * channels);
  for (let h = 0; h < height; h++)
    for (let w = 0; w < width; w++)
      for (let c = 0; c < channels; c++) perm[(h * width + w) * channels + c] = c * height * width + h * width + w;
  return perm;
}

function samePerm(a: Int32Array | undefined, b: Int32Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Reorders `values` with axes of `shape` permuted by `axes` (out axis k = in axis axes[k]). */
function transpose(values: ArrayLike<number>, shape: number[], axes: number[]): Float32Array {
  const outShape = axes.map((a) => shape[a]!);
  const inStrides = shape.map((_, d) => shape.slice(d + 1).reduce((x, y) => x * y, 1));
  const strides = axes.map((a) => inStrides[a]!);
  const out = new Float32Array(values.length);
  const index = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let at = 0;
    for (let d = 0; d < index.length; d++) at += index[d]! * strides[d]!;
    out[i] = values[at]!;
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d]! < outShape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

const inverseAxes = (axes: number[]) => axes.map((_, k) => axes.indexOf(k));

/**
 * The feature permutation (tfjs index → PyTorch index) of each rank-2 layer output, and the layers in the order a
 * PyTorch module holds them.
 */
export function featureOrders(model: tfl.LayersModel): Map<Layer, Int32Array | undefined> {
  const perms = new Map<Layer, Int32Array | undefined>();
  const consumers = new Map<Layer, Layer[]>();
  for (const layer of model.layers) {
    for (const input of inputsOf(layer)) consumers.set(input, [...(consumers.get(input) ?? []), layer]);
  }
  /** The order a dense layer's output must have: (C, H, W) when it is reshaped to an image further on. */
  const demanded = (layer: Layer): Int32Array | undefined => {
    let next = consumers.get(layer) ?? [];
    while (next.length === 1 && passThrough.has(next[0]!.getClassName())) next = consumers.get(next[0]!) ?? [];
    if (next.length === 1 && next[0]!.getClassName() === 'Reshape') {
      const target = outputShape(next[0]!);
      if (target.length === 3) return hwcToChw(target[0]!, target[1]!, target[2]!);
    }
    return undefined;
  };
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (!supportedLayers.has(kind)) {
      throw new GanError(
        'UNSUPPORTED',
        `Layer ${layer.name} (${kind}) has no PyTorch counterpart here; PyTorch weights map onto models built of ` +
          `${[...supportedLayers].join(', ')} (dcgan, dcgan-mnist, mlp and cgan).`,
      );
    }
    const inputs = inputsOf(layer);
    const first = inputs[0];
    const inputPerm = first === undefined ? undefined : perms.get(first);
    const shape = outputShape(layer);
    let perm: Int32Array | undefined;
    if (kind === 'Dense') perm = demanded(layer);
    else if (kind === 'Flatten') {
      const inShape = outputShape(first!);
      perm = inShape.length === 3 ? hwcToChw(inShape[0]!, inShape[1]!, inShape[2]!) : inputPerm;
    } else if (kind === 'Concatenate' && shape.length === 1) {
      const parts = inputs.map((input) => ({ perm: perms.get(input), size: outputShape(input)[0]! }));
      if (parts.some((p) => p.perm !== undefined)) {
        perm = new Int32Array(shape[0]!);
        let offset = 0;
        for (const part of parts) {
          for (let i = 0; i < part.size; i++) perm[offset + i] = offset + (part.perm ? part.perm[i]! : i);
          offset += part.size;
        }
      }
    } else if (kind === 'Reshape') {
      const inShape = outputShape(first!);
      const wanted = shape.length === 3 ? hwcToChw(shape[0]!, shape[1]!, shape[2]!) : undefined;
      if (inShape.length !== 1 || !samePerm(inputPerm, wanted)) {
        throw new GanError(
          'UNSUPPORTED',
          `Layer ${layer.name} reshapes [${inShape.join(', ')}] to [${shape.join(', ')}] where PyTorch's (C, H, W) order ` +
            'cannot be matched; only a dense layer (with batch norm and activations after it) may feed a reshape to an image.',
        );
      }
    } else if (passThrough.has(kind)) perm = shape.length === 1 ? inputPerm : undefined;
    perms.set(layer, shape.length === 1 ? perm : undefined);
  }
  return perms;
}

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function permuted(values: ArrayLike<number>, perm: Int32Array | undefined, toTf: boolean): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < out.length; i++) {
    const j = perm ? perm[i]! : i;
    if (toTf) out[i] = values[j]!;
    else out[j] = values[i]!;
  }
  return out;
}

/** The PyTorch modules of a tfjs model, in order, with each parameter's shape and conversions. */
export function torchModules(model: tfl.LayersModel): TorchModule[] {
  const perms = featureOrders(model);
  const modules: TorchModule[] = [];
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    const weights = layer.weights;
    if (weights.length === 0) continue;
    const shapes = weights.map((w) => w.shape as number[]);
    const first = inputsOf(layer)[0];
    const inPerm = first === undefined ? undefined : perms.get(first);
    if (kind === 'Dense') {
      const [inputs, units] = shapes[0]!;
      const outPerm = perms.get(layer);
      const parameters: TorchParameter[] = [
        {
          layer,
          weightIndex: 0,
          attribute: 'weight',
          torchShape: [units!, inputs!],
          toTf: (values) => {
            const out = new Float32Array(inputs! * units!);
            for (let i = 0; i < inputs!; i++) {
              const ti = inPerm ? inPerm[i]! : i;
              for (let j = 0; j < units!; j++)
                out[i * units! + j] = values[(outPerm ? outPerm[j]! : j) * inputs! + ti]!;
            }
            return out;
          },
          fromTf: (values) => {
            const out = new Float32Array(inputs! * units!);
            for (let i = 0; i < inputs!; i++) {
              const ti = inPerm ? inPerm[i]! : i;
              for (let j = 0; j < units!; j++)
                out[(outPerm ? outPerm[j]! : j) * inputs! + ti] = values[i * units! + j]!;
            }
            return out;
          },
        },
      ];
      if (shapes.length > 1) {
        parameters.push({
          layer,
          weightIndex: 1,
          attribute: 'bias',
          torchShape: [units!],
          toTf: (values) => permuted(values, outPerm, true),
          fromTf: (values) => permuted(values, outPerm, false),
        });
      }
      modules.push({ layer, kind: 'linear', parameters, tracksBatches: false });
    } else if (kind === 'Conv2D' || kind === 'Conv2DTranspose') {
      const tfShape = shapes[0]!;
      const axes = [2, 3, 1, 0]; // tfjs axis k = PyTorch axis axes[k], for both kinds
      const torchShape = inverseAxes(axes).map((a) => tfShape[a]!);
      const parameters: TorchParameter[] = [
        {
          layer,
          weightIndex: 0,
          attribute: 'weight',
          torchShape,
          toTf: (values) => transpose(values, torchShape, axes),
          fromTf: (values) => transpose(values, tfShape, inverseAxes(axes)),
        },
      ];
      if (shapes.length > 1) {
        parameters.push({
          layer,
          weightIndex: 1,
          attribute: 'bias',
          torchShape: shapes[1]!,
          toTf: (values) => Float32Array.from(values),
          fromTf: (values) => Float32Array.from(values),
        });
      }
      modules.push({ layer, kind: kind === 'Conv2D' ? 'conv' : 'conv_transpose', parameters, tracksBatches: false });
    } else if (kind === 'BatchNormalization') {
      const perm = outputShape(layer).length === 1 ? inPerm : undefined;
      const names = weights.map((w) => w.originalName.split('/').pop()!);
      const attribute = {
        gamma: 'weight',
        beta: 'bias',
        moving_mean: 'running_mean',
        moving_variance: 'running_var',
      } as const;
      const order = ['gamma', 'beta', 'moving_mean', 'moving_variance'] as const;
      if (order.some((name) => !names.includes(name))) {
        throw new GanError(
          'UNSUPPORTED',
          `Batch norm ${layer.name} lacks a scale or center (${names.join(', ')}); PyTorch's BatchNorm has both.`,
        );
      }
      const parameters = order.map((name) => ({
        layer,
        weightIndex: names.indexOf(name),
        attribute: attribute[name],
        torchShape: [product(shapes[names.indexOf(name)]!)],
        toTf: (values: ArrayLike<number>) => permuted(values, perm, true),
        fromTf: (values: ArrayLike<number>) => permuted(values, perm, false),
      }));
      modules.push({ layer, kind: 'batch_norm', parameters, tracksBatches: true });
    } else {
      throw new GanError('UNSUPPORTED', `Layer ${layer.name} (${kind}) has weights with no PyTorch mapping here.`);
    }
  }
  return modules;
}

/** The module attribute names that `torchModuleSource` gives the weighted layers: fc1, conv1, deconv1, bn1, … */
export function torchModuleNames(modules: TorchModule[]): string[] {
  const counts: Record<string, number> = {};
  const stem = { linear: 'fc', conv: 'conv', conv_transpose: 'deconv', batch_norm: 'bn' } as const;
  return modules.map((m) => {
    counts[m.kind] = (counts[m.kind] ?? 0) + 1;
    return `${stem[m.kind]}${counts[m.kind]}`;
  });
}
