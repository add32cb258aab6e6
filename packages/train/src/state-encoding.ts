import { GanError } from '@gan/core';
import type { SavedTensor, TrainingState } from './training-state.js';

/** Where a typed array lives in the binary part of an encoded state. */
interface ArrayReference {
  offset: number;
  length: number;
  dtype: 'float32' | 'int32';
}

type EncodedTensor = Omit<SavedTensor, 'values'> & { values: ArrayReference };

/** The JSON part of an encoded {@link TrainingState}: its typed arrays replaced by references into `binary`. */
interface EncodedState extends Omit<TrainingState, 'fixedNoise' | 'optimizers' | 'emaGenerator'> {
  fixedNoise: { shape: [number, number]; values: ArrayReference };
  optimizers: { generator: EncodedTensor[]; discriminator: EncodedTensor[] };
  emaGenerator?: EncodedTensor[];
}

/** Splits a state into JSON text and one binary buffer holding every typed array (4-byte aligned). */
export function encodeTrainingState(state: TrainingState): {
  json: string;
  binary: Uint8Array;
} {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const store = (values: Float32Array | Int32Array): ArrayReference => {
    const reference: ArrayReference = {
      offset,
      length: values.length,
      dtype: values instanceof Int32Array ? 'int32' : 'float32',
    };
    chunks.push(new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)));
    offset += values.byteLength;
    return reference;
  };
  const encodeTensors = (tensors: SavedTensor[]): EncodedTensor[] =>
    tensors.map((tensor) => ({ ...tensor, values: store(tensor.values) }));
  const encoded: EncodedState = {
    ...state,
    fixedNoise: {
      shape: state.fixedNoise.shape,
      values: store(state.fixedNoise.values),
    },
    optimizers: {
      generator: encodeTensors(state.optimizers.generator),
      discriminator: encodeTensors(state.optimizers.discriminator),
    },
    emaGenerator: state.emaGenerator === undefined ? undefined : encodeTensors(state.emaGenerator),
  };
  const binary = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    binary.set(chunk, at);
    at += chunk.byteLength;
  }
  return { json: JSON.stringify(encoded), binary };
}

/**
 * Rebuilds a state from {@link encodeTrainingState}'s parts. `where` names the files in errors: a reference
 * outside the binary part, or JSON that is not a state, is GanError `CORRUPT_FILE`.
 */
export function decodeTrainingState(
  json: string,
  binary: Uint8Array,
  where: { json: string; binary: string },
): TrainingState {
  const corrupt = (problem: string, cause?: unknown) =>
    new GanError(
      'CORRUPT_FILE',
      `${problem} The checkpoint is damaged: resume from another checkpoint (the previous one, when kept) or start the run again.`,
      cause === undefined ? undefined : { cause },
    );
  let encoded: EncodedState;
  try {
    encoded = JSON.parse(json) as EncodedState;
  } catch (cause) {
    throw corrupt(`${where.json} is not valid JSON (${(cause as Error).message}).`, cause);
  }
  if (
    typeof encoded !== 'object' ||
    encoded === null ||
    !Array.isArray(encoded.optimizers?.generator) ||
    !Array.isArray(encoded.optimizers?.discriminator) ||
    typeof encoded.fixedNoise?.values !== 'object' ||
    !Array.isArray(encoded.history)
  ) {
    throw corrupt(`${where.json} is not a training state (no fixedNoise, optimizers or history).`);
  }
  const load = (reference: ArrayReference): Float32Array | Int32Array => {
    const bytes = reference.length * 4;
    if (
      !Number.isInteger(reference.offset) ||
      !Number.isInteger(reference.length) ||
      reference.offset < 0 ||
      reference.offset + bytes > binary.byteLength
    ) {
      throw corrupt(
        `${where.binary} has ${binary.byteLength} bytes, but ${
          where.json
        } refers to bytes ${reference.offset}–${reference.offset + bytes}.`,
      );
    }
    // A copy: `binary` may be a view into a larger (pooled) buffer, and typed arrays need 4-byte alignment.
    const copy = new Uint8Array(binary.subarray(reference.offset, reference.offset + bytes)).buffer;
    return reference.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
  };
  const decodeTensors = (tensors: EncodedTensor[]): SavedTensor[] =>
    tensors.map((tensor) => ({ ...tensor, values: load(tensor.values) }));
  return {
    ...encoded,
    fixedNoise: {
      shape: encoded.fixedNoise.shape,
      values: load(encoded.fixedNoise.values) as Float32Array,
    },
    optimizers: {
      generator: decodeTensors(encoded.optimizers.generator),
      discriminator: decodeTensors(encoded.optimizers.discriminator),
    },
    emaGenerator: Array.isArray(encoded.emaGenerator) ? decodeTensors(encoded.emaGenerator) : undefined,
  };
}
