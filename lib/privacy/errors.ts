import { DatagoraError } from '../errors';

/**
 * A privacy parameter (ε, δ, a sensitivity, a noise scale, a bound, an amount of budget) outside the range where the
 * mechanism's guarantee holds. Thrown before any noise is drawn, so a bad parameter never releases a value.
 */
export class PrivacyParameterError extends DatagoraError {
  constructor(
    /** Which parameter, as the caller named it (`epsilon`, `delta`, `sensitivity`…). */
    readonly parameter: string,
    value: unknown,
    requirement: string,
    hint: string,
  ) {
    super(`invalid ${parameter} ${String(value)}: ${requirement}`, hint);
  }
}

/** What a sensitivity is, for the errors that refuse one. */
export const SENSITIVITY_HINT =
  "the sensitivity is the most one person's rows can change the statistic: 1 for a count, the clipping bound for a sum";

const EPSILON_HINT = 'ε is the privacy loss the release may cost: a finite number above 0, e.g. 0.1 to 1 per query';

/** ε: a finite number above 0. */
export function requireEpsilon(epsilon: number, parameter = 'epsilon'): void {
  if (!(epsilon > 0 && Number.isFinite(epsilon))) {
    throw new PrivacyParameterError(parameter, epsilon, 'must be a finite number above 0', EPSILON_HINT);
  }
}

/** δ: the probability the ε guarantee may fail, strictly between 0 and 1 (0 would need infinite Gaussian noise). */
export function requireDelta(delta: number, parameter = 'delta'): void {
  if (!(delta > 0 && delta < 1)) {
    throw new PrivacyParameterError(
      parameter,
      delta,
      'must lie strictly between 0 and 1',
      'δ is the chance the ε guarantee fails: take it well below 1/rows, e.g. 1e-6 for a million rows',
    );
  }
}

/** A sensitivity, scale or σ: a finite number above 0 (a zero-sensitivity statistic needs no noise at all). */
export function requirePositive(value: number, parameter: string, hint: string): void {
  if (!(value > 0 && Number.isFinite(value))) {
    throw new PrivacyParameterError(parameter, value, 'must be a finite number above 0', hint);
  }
}

/** The exact statistic a mechanism releases: a finite number. */
export function requireFinite(value: number, parameter: string): void {
  if (!Number.isFinite(value)) {
    throw new PrivacyParameterError(
      parameter,
      value,
      'must be a finite number',
      'the analysis produced no number to release: check the template ran on a non-empty, numeric column',
    );
  }
}
