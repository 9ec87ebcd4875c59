/**
 * The global model on the wire: d float64s, little-endian, as base64 in JSON — what the aggregator sends each node
 * every round and at the end, and what a round receipt's `modelIn` hashes (SHA-256 of these bytes).
 * No Node imports: the buyer's browser aggregates.
 */
import { sha256, type Hex } from 'viem';
import { fromBase64, toBase64 } from '../compute/results';
import { FederatedUpdateError } from './errors';

const MODEL_HINT = 'send the global model as modelToBase64 of its d weights';

/** The model as 8 little-endian bytes per weight. */
export function modelToBytes(model: Float64Array): Uint8Array {
  const bytes = new Uint8Array(model.length * 8);
  const view = new DataView(bytes.buffer);
  model.forEach((w, i) => view.setFloat64(i * 8, w, true));
  return bytes;
}

/** The model as base64 (padded, the standard alphabet) for JSON. */
export function modelToBase64(model: Float64Array): string {
  return toBase64(modelToBytes(model), 'base64');
}

/**
 * base64 back to a model of `dimension` weights; FederatedUpdateError for text that is not base64 of exactly that
 * many bytes, or a weight that is not finite (a NaN would poison every later round).
 */
export function modelFromBase64(text: string, dimension: number): Float64Array {
  if (text.length !== 4 * Math.ceil((dimension * 8) / 3) || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new FederatedUpdateError(`the model is not the base64 of ${dimension} float64 weights (the plan's dimension)`, MODEL_HINT);
  }
  const bytes = fromBase64(text);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const model = Float64Array.from({ length: dimension }, (_, i) => view.getFloat64(i * 8, true));
  const bad = model.findIndex((w) => !Number.isFinite(w));
  if (bad >= 0) throw new FederatedUpdateError(`weight ${bad} of the model is not a finite number`, MODEL_HINT);
  return model;
}

/**
 * The final model as a file: its weights as a JSON array, byte for byte what every node puts among its outputs and
 * the aggregator writes, so the file a buyer publishes hashes to the content the jobs' outputs roots prove.
 */
export function modelFile(model: Float64Array): string {
  return JSON.stringify(Array.from(model));
}

/** SHA-256 of the model's bytes, as round receipts name a model. */
export function modelHash(model: Float64Array): Hex {
  return sha256(modelToBytes(model));
}
