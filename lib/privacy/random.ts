/**
 * The randomness the mechanisms draw from. Every mechanism takes a `RandomSource`, so production passes
 * `secureRandom` and a test passes a seeded generator and replays the same noise.
 */

/** Uniform draws in the open interval (0, 1): never 0, so `Math.log(u)` is always finite. */
export type RandomSource = () => number;

/**
 * A `RandomSource` over a generator of uniform 32-bit words: 26 bits of one word and 27 of the next make a multiple
 * of 2⁻⁵³ in [0, 1), drawn again when it is 0. Every double of [½, 1) is then equally likely, which the full-precision
 * draw below relies on.
 */
export function uniformFromWords(nextWord: () => number): RandomSource {
  return () => {
    for (;;) {
      const multiple = (nextWord() >>> 6) * 2 ** 27 + (nextWord() >>> 5);
      if (multiple !== 0) return multiple * 2 ** -53;
    }
  };
}

// getRandomValues is called once per 128 draws rather than once per draw; the pool never leaves this module.
const pool = new Uint32Array(256);
let pooled = pool.length;

function secureWord(): number {
  if (pooled === pool.length) {
    globalThis.crypto.getRandomValues(pool);
    pooled = 0;
  }
  return pool[pooled++] as number;
}

/** 53 random bits from the platform's CSPRNG (`crypto.getRandomValues`, in Node and browsers alike), never 0. */
export const secureRandom: RandomSource = uniformFromWords(secureWord);

/**
 * A draw that can be any double in (0, 1), each as likely as the stretch of reals it stands for: the U* of Mironov's
 * snapping proof. A plain 53-bit draw never falls below 2⁻⁵³, which would cut Laplace noise off at ±36.7 scales, so
 * an output beyond x′ + 36.7·b would prove the true value was not x′. Halving until a draw lands in [½, 1), where
 * 53 bits are every double, costs two draws on average.
 */
export function fullPrecisionUniform(random: RandomSource): number {
  let scale = 1;
  for (;;) {
    const u = random();
    // Past 2⁻¹⁰²⁰ (a chance of 2⁻¹⁰²⁰) further halvings would go subnormal and lose the bits they were meant to add.
    if (u >= 0.5 || scale < 2 ** -1020) return u * scale;
    scale /= 2;
  }
}
