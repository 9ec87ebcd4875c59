import { erfc, erfcx, normalCdf } from '@/lib/privacy';

/** |actual/expected − 1|: the tail values span 300 orders of magnitude, so accuracy is judged in relative terms. */
const relativeError = (actual: number, expected: number) => Math.abs(actual / expected - 1);

// Reference values to 20 digits from mpmath at 50-digit precision (mp.erfc, mp.ncdf), independent of Cody's fit.
describe('erfc', () => {
  it.each([
    [0.3, 0.67137324054087257236],
    [0.5, 0.47950012218695346232],
    [1, 0.15729920705028513066],
    [2, 0.0046777349810472658379],
    [-2, 1.9953222650189527342],
    [5, 1.5374597944280348502e-12],
    [10, 2.088487583762544757e-45],
    [26, 5.6631924088561428465e-296],
  ])('erfc(%p) = %p to 1e-14 relative, in the tail too, where 1 − erf would be 0', (x, expected) => {
    expect(relativeError(erfc(x), expected)).toBeLessThan(1e-14);
  });

  it('is 1 at 0, 0 past underflow and 2 at −∞', () => {
    expect(erfc(0)).toBe(1);
    expect(erfc(27)).toBe(0);
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
  });
});

describe('erfcx', () => {
  it.each([
    [0.25, 0.77034654773099674392],
    [1, 0.42758357615580700441],
    [5, 0.11070463773306862637],
    [30, 0.018795888861416751497],
    [1e8, 5.6418958354775625874e-9],
    [-1, 5.0089800807622834663],
  ])('erfcx(%p) = %p to 1e-14 relative', (x, expected) => {
    expect(relativeError(erfcx(x), expected)).toBeLessThan(1e-14);
  });

  it('overflows only where e^{x²} does', () => {
    expect(erfcx(Infinity)).toBe(0);
    expect(erfcx(-27)).toBe(Infinity);
    expect(Number.isFinite(erfcx(-26.5))).toBe(true);
  });
});

describe('normalCdf', () => {
  it.each([
    [0, 0.5],
    [-1, 0.15865525393145705141],
    [1.96, 0.97500210485177956586],
    [-6, 9.865876450376981407e-10],
    [-20, 2.7536241186062336951e-89],
    [-37, 5.7255712225245768227e-300],
  ])('Φ(%p) = %p to 1e-12 relative (x/√2 rounds, and the tail magnifies that by x²)', (x, expected) => {
    expect(relativeError(normalCdf(x), expected)).toBeLessThan(1e-12);
  });

  it('is symmetric: Φ(x) + Φ(−x) = 1', () => {
    for (const x of [0.1, 0.7, 1.5, 3, 8]) expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
  });
});
