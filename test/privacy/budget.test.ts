import fc from 'fast-check';
import { DatagoraError } from '@/lib/errors';
import { composeBasic, fromMicroEpsilon, MICRO, PrivacyParameterError, splitEpsilon, toMicroEpsilon } from '@/lib/privacy';

describe('toMicroEpsilon / fromMicroEpsilon', () => {
  it('account ε in millionths', () => {
    expect(MICRO).toBe(1_000_000n);
    expect(toMicroEpsilon(0.5)).toBe(500_000n);
    expect(toMicroEpsilon(1)).toBe(MICRO);
    expect(toMicroEpsilon(0)).toBe(0n);
    expect(toMicroEpsilon(1e6)).toBe(10n ** 12n);
    expect(fromMicroEpsilon(500_000n)).toBe(0.5);
    expect(fromMicroEpsilon(0n)).toBe(0);
  });

  it('round a spend up, never down', () => {
    expect(toMicroEpsilon(1e-7)).toBe(1n);
    expect(toMicroEpsilon(5e-324)).toBe(1n);
    expect(toMicroEpsilon(0.1234561)).toBe(123_457n);
    expect(toMicroEpsilon(1 / 3)).toBe(333_334n);
    expect(toMicroEpsilon(123_456.7890123)).toBe(123_456_789_013n);
    expect(toMicroEpsilon(2.5e-6)).toBe(3n);
  });

  it('charge what the caller wrote, not the binary excess of 0.1 or 1.1', () => {
    expect(toMicroEpsilon(0.1)).toBe(100_000n);
    expect(toMicroEpsilon(1.1)).toBe(1_100_000n);
    expect(toMicroEpsilon(0.3)).toBe(300_000n);
    // Ten spends of 0.1 fit a budget of 1 exactly.
    expect(10n * toMicroEpsilon(0.1)).toBe(toMicroEpsilon(1));
  });

  it('for any ε in [0, 1e6]: the charge covers ε and one millionth less would not', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), (epsilon) => {
        const micro = toMicroEpsilon(epsilon);
        expect(fromMicroEpsilon(micro)).toBeGreaterThanOrEqual(epsilon);
        if (micro > 0n) expect(fromMicroEpsilon(micro - 1n)).toBeLessThan(epsilon);
      }),
      { numRuns: 2_000 },
    );
  });

  it('round-trip every whole number of millionths', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), (micro) => {
        expect(toMicroEpsilon(fromMicroEpsilon(micro))).toBe(micro);
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([NaN, -0.1, -Infinity, 1e6 + 1, Infinity])('refuse ε = %p with a typed error', (epsilon) => {
    expect(() => toMicroEpsilon(epsilon)).toThrow(PrivacyParameterError);
  });

  it('refuse a negative amount of millionths', () => {
    expect(() => fromMicroEpsilon(-1n)).toThrow(PrivacyParameterError);
  });
});

describe('splitEpsilon', () => {
  it('gives each of k releases ε/k', () => {
    expect(splitEpsilon(1, 4)).toBe(0.25);
    expect(splitEpsilon(0.5, 1)).toBe(0.5);
    expect(splitEpsilon(1, 3)).toBe(1 / 3);
  });

  it.each<[number, number, string]>([
    [1, 0, 'parts'],
    [1, 1.5, 'parts'],
    [1, -2, 'parts'],
    [1, NaN, 'parts'],
    [0, 2, 'epsilon'],
    [Infinity, 2, 'epsilon'],
  ])('refuses (ε = %p, k = %p), naming %s', (epsilon, parts, parameter) => {
    expect(() => splitEpsilon(epsilon, parts)).toThrow(expect.objectContaining({ parameter }));
  });
});

describe('composeBasic', () => {
  it('sums ε and δ, δ being 0 for pure spends', () => {
    const total = composeBasic([{ epsilon: 0.1 }, { epsilon: 0.25, delta: 1e-6 }, { epsilon: 0.5, delta: 1e-7 }, { epsilon: 1, delta: 0 }]);
    expect(total.epsilon).toBeCloseTo(1.85, 14);
    expect(total.delta).toBeCloseTo(1.1e-6, 20);
    expect(composeBasic([])).toEqual({ epsilon: 0, delta: 0 });
  });

  it('puts k parts of a split back together as ε', () => {
    const part = splitEpsilon(0.7, 7);
    expect(composeBasic(Array.from({ length: 7 }, () => ({ epsilon: part }))).epsilon).toBeCloseTo(0.7, 14);
  });

  it('names the spend with a bad parameter', () => {
    expect(() => composeBasic([{ epsilon: 1 }, { epsilon: 0.5, delta: 1 }])).toThrow(
      expect.objectContaining({ parameter: 'spends[1].delta', name: 'PrivacyParameterError' }),
    );
    expect(() => composeBasic([{ epsilon: -1 }])).toThrow(expect.objectContaining({ parameter: 'spends[0].epsilon' }));
    expect(() => composeBasic([{ epsilon: NaN }])).toThrow(DatagoraError);
  });
});
