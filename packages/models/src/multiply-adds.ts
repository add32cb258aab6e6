import type * as tfl from '@tensorflow/tfjs-layers';

/** The multiply-adds of one layer's forward pass for one example. */
export interface LayerMultiplyAdds {
  name: string;
  className: string;
  multiplyAdds: number;
  /**
   * Whether its input is the model's input, directly or through layers without weights (a reshape, a concatenation
   * with labels): its input gradient is only needed to train a network in front of this one.
   */
  takesModelInput: boolean;
}

/** The multiply-adds of a network's forward pass for one example: per layer with a weight matrix, and in all. */
export interface MultiplyAdds {
  total: number;
  layers: LayerMultiplyAdds[];
}

const product = (dims: readonly (number | null)[]) => dims.reduce((a: number, b) => a * (b ?? 1), 1);

/**
 * Counts the multiply-adds of `model`'s forward pass for one example, layer by layer, as FLOP counters of the
 * Python side do (fvcore, ptflops): a convolution's `output pixels × kh × kw × in channels × out channels`, a
 * transposed convolution's `input pixels × kh × kw × in channels × out channels` (each input pixel is spread over
 * a kernel's worth of outputs), a dense layer's `inputs × units` (per position of any leading dimensions). Biases,
 * batch norm and activations are left out (a few per cent of the products' count in these networks). A layer is
 * counted by its kernel: wrappers such as spectral normalization count as the layer they wrap.
 */
export function multiplyAdds(model: tfl.LayersModel): MultiplyAdds {
  const layers: LayerMultiplyAdds[] = [];
  for (const layer of model.layers) {
    const kernel = layer.trainableWeights.find((w) => w.shape.length >= 2 && /kernel/.test(w.name));
    if (kernel === undefined) continue;
    const node = layer.inboundNodes[0];
    if (node === undefined) continue;
    const first = (shape: unknown) => (Array.isArray((shape as unknown[])[0]) ? (shape as unknown[])[0] : shape);
    const inShape = first(node.inputShapes) as (number | null)[];
    const outShape = first(node.outputShapes) as (number | null)[];
    const weights = product(kernel.shape);
    let count: number;
    if (kernel.shape.length === 4) {
      const transposed = /transpose/i.test(layer.getClassName());
      // [kh, kw, in, out] (transposed: [kh, kw, out, in]): per output pixel (per input pixel when transposed)
      count = product((transposed ? inShape : outShape).slice(1, -1)) * weights;
    } else {
      count = product(inShape.slice(1, -1)) * weights;
    }
    const takesModelInput = node.inboundLayers.every(fedByInputs);
    layers.push({ name: layer.name, className: layer.getClassName(), multiplyAdds: count, takesModelInput });
  }
  return { total: layers.reduce((sum, l) => sum + l.multiplyAdds, 0), layers };
}

/** Whether `layer` is an input, or has no weights and only inputs (so reached) in front of it. */
function fedByInputs(layer: tfl.layers.Layer): boolean {
  if (layer.getClassName() === 'InputLayer') return true;
  if (layer.weights.length > 0) return false;
  return (layer.inboundNodes[0]?.inboundLayers ?? []).every(fedByInputs);
}
