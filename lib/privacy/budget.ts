/**
 * A dataset's privacy budget: ε as the chain accounts it (integer millionths) and how spends add up under basic
 * (sequential) composition.
 */
import { PrivacyParameterError, requireDelta, requireEpsilon } from './errors';

/** ε is accounted on-chain in millionths: 0.5 is 500000n. */
export const MICRO = 1_000_000n;

/** The largest ε accounted: 10⁶, far past any meaningful guarantee, keeps micro-ε amounts within 10¹². */
const MAX_EPSILON = 1e6;

/**
 * ε in millionths, rounded up so a spend is never under-counted. The rounding is exact on the shortest decimal that
 * reads back as ε (the number the caller wrote), so 0.1 costs 100000n and not the 100001n its binary value,
 * 0.1000000000000000055…, would round to; that 6e-18 is far below the precision of the noise arithmetic itself.
 */
export function toMicroEpsilon(epsilon: number): bigint {
  if (!(epsilon >= 0 && epsilon <= MAX_EPSILON)) {
    throw new PrivacyParameterError('epsilon', epsilon, `must be a number from 0 to ${MAX_EPSILON}`, 'pass the ε the release was calibrated with: a finite number, at least 0');
  }
  // String(ε) is that shortest decimal, possibly with an exponent ("1e-7", "1.5e-7").
  const [mantissa = '0', exponent = '0'] = String(epsilon).split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  const digits = BigInt(whole + fraction);
  const shift = Number(exponent) - fraction.length + 6;
  if (shift >= 0) return digits * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  return (digits + divisor - 1n) / divisor;
}

/** ε from millionths: the nearest double to micro/10⁶, so fromMicroEpsilon(500000n) === 0.5. */
export function fromMicroEpsilon(micro: bigint): number {
  if (micro < 0n) {
    throw new PrivacyParameterError('micro-epsilon', micro, 'must not be negative', 'amounts of ε read from the chain are unsigned');
  }
  return Number(micro) / Number(MICRO);
}

/**
 * ε/k: what each of k releases may spend so that, by basic composition, they cost ε together (the parts are correctly
 * rounded doubles, so their sum is ε to within rounding).
 */
export function splitEpsilon(epsilon: number, parts: number): number {
  requireEpsilon(epsilon);
  if (!(Number.isSafeInteger(parts) && parts >= 1)) {
    throw new PrivacyParameterError('parts', parts, 'must be a whole number of releases, at least 1', 'pass how many statistics share ε');
  }
  return epsilon / parts;
}

/**
 * Basic composition (Dwork et al. 2006; Dwork & Roth 2014, Thm 3.16): releases that are (εᵢ, δᵢ)-DP are together
 * (Σεᵢ, Σδᵢ)-DP, even when each was chosen after seeing the last. δ is 0 for pure ε spends such as Laplace.
 */
export function composeBasic(spends: readonly { epsilon: number; delta?: number }[]): { epsilon: number; delta: number } {
  let epsilon = 0;
  let delta = 0;
  spends.forEach((spend, i) => {
    requireEpsilon(spend.epsilon, `spends[${i}].epsilon`);
    const spendDelta = spend.delta ?? 0;
    if (spendDelta !== 0) requireDelta(spendDelta, `spends[${i}].delta`);
    epsilon += spend.epsilon;
    delta += spendDelta;
  });
  return { epsilon, delta };
}
