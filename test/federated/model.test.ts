/** The global model's wire form: a lossless round trip, and a clear refusal of anything else. */
import { sha256 } from 'viem';
import { FederatedUpdateError, modelFromBase64, modelHash, modelToBase64, modelToBytes } from '@/lib/federated';

describe('the model on the wire', () => {
  it('round-trips every float64 exactly, little-endian', () => {
    const model = Float64Array.from([0, -0.5, 1e-300, 123456.789, -Number.MAX_VALUE]);
    expect(modelFromBase64(modelToBase64(model), 5)).toEqual(model);
    expect([...modelToBytes(Float64Array.of(1))]).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(modelHash(model)).toBe(sha256(modelToBytes(model)));
  });

  it('refuses another dimension, text that is not base64, and weights that are not finite', () => {
    const two = modelToBase64(Float64Array.of(1, 2));
    expect(() => modelFromBase64(two, 3)).toThrow(FederatedUpdateError);
    expect(() => modelFromBase64(`${two.slice(0, -2)}!!`, 2)).toThrow('not the base64 of 2 float64 weights');
    expect(() => modelFromBase64(modelToBase64(Float64Array.of(1, Number.NaN)), 2)).toThrow('weight 1 of the model is not a finite number');
    expect(() => modelFromBase64(modelToBase64(Float64Array.of(Number.POSITIVE_INFINITY)), 1)).toThrow(FederatedUpdateError);
  });
});
