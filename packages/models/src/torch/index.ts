import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type TorchModule, type TorchParameter, torchModuleNames, torchModules } from './layout.js';
import { isSafetensors, readSafetensors, writeSafetensors } from './safetensors.js';
import {
  type NamedTensor,
  readTorchCheckpoint,
  type StateDict,
  type TensorToWrite,
  writeTorchCheckpoint,
} from './state-dict.js';

export { torchModuleSource } from './module-source.js';
export type { NamedTensor, StateDict } from './state-dict.js';

/** Options of {@link readStateDict} and {@link importTorchWeights}. */
export interface TorchReadOptions {
  /** The key of a checkpoint dict that holds the state_dict (`{'netG': …}` → `'netG'`). */
  key?: string;
  /** How errors name the file. Defaults to `'The checkpoint'`. */
  what?: string;
}

/** Reads a state_dict from a `torch.save` zip checkpoint or a safetensors file (told apart by their bytes). */
export function readStateDict(bytes: Uint8Array, options: TorchReadOptions = {}): StateDict {
  const what = options.what ?? 'The checkpoint';
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) return readTorchCheckpoint(bytes, options);
  if (isSafetensors(bytes)) {
    const all = readSafetensors(bytes, what);
    if (options.key === undefined) return all;
    // a flat file of several state_dicts: `<key>.<name>` (as exportTorchCheckpoint writes generator and discriminator)
    const prefix = `${options.key}.`;
    const tensors = all.tensors
      .filter((t) => t.name.startsWith(prefix))
      .map((t) => ({ ...t, name: t.name.slice(prefix.length) }));
    if (tensors.length === 0) {
      const keys = [...new Set(all.tensors.map((t) => t.name.split('.')[0]))].slice(0, 8).join(', ');
      throw new GanError(
        'INVALID_ARGUMENT',
        `${what} has no tensors named '${prefix}…'; the first parts of its names are: ${keys}. Give one as --key.`,
      );
    }
    return { ...all, tensors };
  }
  if (bytes.length >= 2 && bytes[0] === 0x80) return readTorchCheckpoint(bytes, options); // names the legacy format
  throw new GanError(
    'CORRUPT_FILE',
    `${what} is neither a PyTorch checkpoint (a zip written by torch.save) nor a safetensors file` +
      (bytes.length < 64 ? ` (it has only ${bytes.length} bytes)` : '') +
      '. Save the weights with torch.save(module.state_dict(), path) or safetensors.torch.save_file.',
  );
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);
const isBatchCounter = (t: NamedTensor) => t.name === 'num_batches_tracked' || t.name.endsWith('.num_batches_tracked');
const describe = (p: TorchParameter) => `${p.layer.name}'s ${p.attribute} (PyTorch shape ${fmt(p.torchShape)})`;

/** Pairs the model's parameters with tensors in the file's order. */
function matchInOrder(parameters: TorchParameter[], tensors: NamedTensor[], what: string): NamedTensor[] {
  parameters.forEach((parameter, i) => {
    const tensor = tensors[i];
    if (tensor === undefined) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${what} has ${tensors.length} parameters, the model ${parameters.length}: nothing for ${describe(parameter)}. ` +
          'Check that the checkpoint is of this model with these options (e.g. --ngf, --latent-dim, --image-size).',
      );
    }
    if (!sameShape(tensor.shape, parameter.torchShape)) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${what}: parameter ${i + 1}, '${tensor.name}', has shape ${fmt(tensor.shape)}, but the model expects ` +
          `${fmt(parameter.torchShape)} there (${describe(parameter)}). Check the model and its options ` +
          '(e.g. --ngf, --ndf, --latent-dim, --image-size, --num-classes) against the PyTorch module.',
      );
    }
  });
  if (tensors.length > parameters.length) {
    const extra = tensors[parameters.length]!;
    throw new GanError(
      'SHAPE_MISMATCH',
      `${what} has ${tensors.length} parameters, the model ${parameters.length}: '${extra.name}' ${fmt(extra.shape)} ` +
        'and after it are left over. Check that the checkpoint is of this model with these options; a file of ' +
        'several models (generator and discriminator) needs --key, e.g. --key generator.',
    );
  }
  return tensors;
}

/**
 * Pairs the model's modules with groups of tensors (same prefix) when the file keeps no order (safetensors from
 * Python): the groups in natural order, each module taking the first unused group whose shapes fit it.
 */
function matchByShape(modules: TorchModule[], tensors: NamedTensor[], what: string): NamedTensor[] {
  const groups = new Map<string, Map<string, NamedTensor>>();
  for (const tensor of tensors) {
    const dot = tensor.name.lastIndexOf('.');
    const prefix = dot < 0 ? '' : tensor.name.slice(0, dot);
    const group = groups.get(prefix) ?? new Map<string, NamedTensor>();
    group.set(tensor.name.slice(dot + 1), tensor);
    groups.set(prefix, group);
  }
  const natural = new Intl.Collator('en', { numeric: true });
  const unused = [...groups.keys()].sort(natural.compare);
  const matched: NamedTensor[] = [];
  for (const module of modules) {
    const index = unused.findIndex((prefix) => {
      const group = groups.get(prefix)!;
      return (
        group.size === module.parameters.length &&
        module.parameters.every((p) => group.has(p.attribute) && sameShape(group.get(p.attribute)!.shape, p.torchShape))
      );
    });
    if (index < 0) {
      throw new GanError(
        'SHAPE_MISMATCH',
        `${what} has no module whose tensors fit layer ${module.layer.name}: ` +
          `${module.parameters.map((p) => `${p.attribute} ${fmt(p.torchShape)}`).join(', ')}. Check that the file is ` +
          'of this model with these options (e.g. --ngf, --latent-dim, --image-size).',
      );
    }
    const group = groups.get(unused[index]!)!;
    matched.push(...module.parameters.map((p) => group.get(p.attribute)!));
    unused.splice(index, 1);
  }
  if (unused.length > 0) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `${what} has tensors the model has no place for: ${unused.map((p) => `${p}.*`).join(', ')}.`,
    );
  }
  return matched;
}

/** What {@link importTorchWeights} did. */
export interface TorchImportReport {
  format: 'pytorch' | 'safetensors';
  /** The file's parameter names, in the order they were assigned to the model's weights. */
  names: string[];
  parameters: number;
}

/**
 * Sets a tfjs model's weights from a PyTorch state_dict (a `torch.save` zip checkpoint or a safetensors file) of
 * the same network: parameters map by order and shape, whatever they are called, with the layouts converted (see
 * `layout.ts`). Nothing is changed unless every parameter fits; a mismatch names the first parameter that does not.
 */
export function importTorchWeights(
  model: tfl.LayersModel,
  bytes: Uint8Array,
  options: TorchReadOptions = {},
): TorchImportReport {
  const what = options.what ?? 'The checkpoint';
  const stateDict = readStateDict(bytes, options);
  const modules = torchModules(model);
  const parameters = modules.flatMap((m) => m.parameters);
  const tensors = stateDict.tensors.filter((t) => !isBatchCounter(t));
  const wrongType = tensors.find((t) => t.dtype === 'int64');
  if (wrongType !== undefined) {
    throw new GanError('UNSUPPORTED', `${what}: '${wrongType.name}' is an int64 tensor, not a weight this model has.`);
  }
  const matched = stateDict.ordered ? matchInOrder(parameters, tensors, what) : matchByShape(modules, tensors, what);
  const values = parameters.map((p, i) => p.toTf(matched[i]!.values));
  tf.tidy(() => {
    for (const module of modules) {
      const current = module.layer.getWeights();
      const next = current.map((w) => w);
      module.parameters.forEach((p) => {
        next[p.weightIndex] = tf.tensor(values[parameters.indexOf(p)]!, current[p.weightIndex]!.shape);
      });
      module.layer.setWeights(next);
    }
  });
  return { format: stateDict.format, names: matched.map((t) => t.name), parameters: parameters.length };
}

/** The PyTorch state_dict names of a model's parameters: `<module>.<attribute>`, module names as `torchModuleSource`. */
export function torchParameterNames(model: tfl.LayersModel): string[] {
  return torchTensors(model).map((t) => t.name);
}

function torchTensors(model: tfl.LayersModel): TensorToWrite[] {
  const modules = torchModules(model);
  const names = torchModuleNames(modules);
  const out: TensorToWrite[] = [];
  modules.forEach((module, m) => {
    const weights = module.layer.getWeights();
    for (const p of module.parameters) {
      out.push({
        name: `${names[m]}.${p.attribute}`,
        dtype: 'float32',
        shape: p.torchShape,
        values: p.fromTf(weights[p.weightIndex]!.dataSync()),
      });
    }
    if (module.tracksBatches)
      out.push({ name: `${names[m]}.num_batches_tracked`, dtype: 'int64', shape: [], values: [0] });
  });
  return out;
}

/**
 * A tfjs model's weights as a PyTorch state_dict file: `'pytorch'` is the zip format of `torch.save` (what
 * `torch.load` + `load_state_dict` read), `'safetensors'` a safetensors file. Names follow `torchModuleSource`.
 */
export function exportTorchWeights(model: tfl.LayersModel, format: 'pytorch' | 'safetensors' = 'pytorch'): Uint8Array {
  const tensors = torchTensors(model);
  return format === 'pytorch' ? writeTorchCheckpoint(tensors) : writeSafetensors(tensors);
}

/**
 * Several models in one file: `'pytorch'` writes a dict of state_dicts (`torch.load(path)['generator']`),
 * `'safetensors'` one flat file with the names prefixed (`generator.fc1.weight`). `importTorchWeights` reads one
 * of them with `{ key: 'generator' }`.
 */
export function exportTorchCheckpoint(
  models: Record<string, tfl.LayersModel>,
  format: 'pytorch' | 'safetensors' = 'pytorch',
): Uint8Array {
  const groups = Object.fromEntries(Object.entries(models).map(([key, model]) => [key, torchTensors(model)]));
  if (format === 'pytorch') return writeTorchCheckpoint(groups);
  return writeSafetensors(
    Object.entries(groups).flatMap(([key, tensors]) => tensors.map((t) => ({ ...t, name: `${key}.${t.name}` }))),
  );
}
