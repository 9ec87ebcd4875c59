/** Where a key node's time goes: each phase of a share request, summed since the node started (/health). */

export const PHASES = ['read', 'parse', 'wallet', 'session', 'conditions', 'sign', 'reply'] as const;
/**
 * read: body in and JSON-parsed; parse: request and conditions checked, identity hashed; wallet: a new
 * session's SIWE signature recovered; session: cached sign-in, resource, node and session-key signature
 * checked, nonce claimed; conditions: the eth_call(s); sign: the BLS share; reply: the answer written.
 */
export type Phase = (typeof PHASES)[number];

/** Ends the phase running since the previous lap (or the request's start) and starts the next. */
export type Lap = (phase: Phase) => void;

export type PhaseTotals = Record<Phase, { count: number; ms: number }>;

export class PhaseTimings {
  private readonly totals = Object.fromEntries(PHASES.map((phase) => [phase, { count: 0, ms: 0 }])) as PhaseTotals;

  /** A stopwatch for one request. */
  stopwatch(): Lap {
    let last = performance.now();
    return (phase) => {
      const now = performance.now();
      this.totals[phase].count++;
      this.totals[phase].ms += now - last;
      last = now;
    };
  }

  toJSON(): PhaseTotals {
    return structuredClone(this.totals);
  }
}
