/**
 * The federated plan: what a buyer commits every job of a federated run to. Its hash is the jobs' algorithmHash,
 * so a node that is sent a plan checks it is the one paid for, and every bound a node enforces (rounds, clip, noise,
 * participants) is fixed before anyone pays. No Node imports: the buyer's browser builds and hashes plans.
 */
import type { Hex } from 'viem';
import { z } from 'zod';
import { algorithmHash, MAX_PARAMS_NESTING, runtimeOf } from '../compute/algorithm';
import { canonicalJson, jsonNesting } from '../net/json';
import { FederatedPlanError } from './errors';

export const PLAN_KIND = 'datagora-federated/1';
/** Most model coordinates: a round moves 8·vectorLength(plan) bytes per provider each way, 8 MB at this bound. */
export const MAX_DIMENSION = 1_000_000;
/** The longest vector a node releases: d coordinates, the loss, the sample count. */
export const MAX_VECTOR_LENGTH = MAX_DIMENSION + 2;
export const MAX_ROUNDS = 100;
/** A sum of one masked vector is that provider's update: every attempt needs two. */
export const MIN_PARTICIPANTS = 2;
/** requestJob links at most 8 jobs. */
export const MAX_PARTICIPANTS = 8;
/**
 * Bounds on the clip and the noise multiplier that keep n·(clipped update + noise) inside the fixed-point ring
 * (see fixed.ts) for any dataset of realistic size; past them a node would fail the round after being paid.
 */
export const MAX_CLIP = 1_000;
export const MAX_NOISE_MULTIPLIER = 100;
/**
 * The largest loss bound L: a node clamps the reported loss to [0, L] and releases it as a coordinate scaled by
 * C/L, so L only sets the chart's range and resolution, never the ring's.
 */
export const MAX_LOSS_BOUND = 1_000;
export const DEFAULT_DELTA = 1e-5;
/** The local step's params, as canonical JSON: they travel with every round. */
export const MAX_PARAMS_BYTES = 16_384;

const id = z.number().int().positive();

const participant = z.strictObject({ datasetId: id, providerId: id });

const planSchema = z.strictObject({
  kind: z.literal(PLAN_KIND),
  algorithm: z.strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be a file name of letters, digits, ".", "_" and "-"')
      .refine((name) => runtimeOf(name) !== undefined, 'must be a Python (.py) or Node.js (.js, .mjs, .cjs) file'),
    sha256: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, 'must be the file’s SHA-256 as 0x and 64 hex digits')
      .transform((hash) => hash.toLowerCase() as Hex),
  }),
  dimension: z.number().int().min(1).max(MAX_DIMENSION),
  rounds: z.number().int().min(1).max(MAX_ROUNDS),
  clip: z.number().gt(0).max(MAX_CLIP),
  noiseMultiplier: z.number().min(0).max(MAX_NOISE_MULTIPLIER),
  delta: z.number().gt(0).lt(1).default(DEFAULT_DELTA),
  // Absent: no loss is reported, and the plan's spelling (so its hash) is what it was before losses existed.
  lossBound: z.number().gt(0).max(MAX_LOSS_BOUND).optional(),
  params: z.record(z.string(), z.unknown()),
  participants: z
    .array(participant)
    .min(MIN_PARTICIPANTS)
    .max(MAX_PARTICIPANTS)
    .superRefine((participants, context) => {
      participants.forEach((p, i) => {
        const previous = participants[i - 1];
        if (previous && p.datasetId <= previous.datasetId) context.addIssue({ code: 'custom', path: [i, 'datasetId'], message: 'datasetIds must be strictly ascending' });
        if (participants.findIndex((q) => q.providerId === p.providerId) !== i) context.addIssue({ code: 'custom', path: [i, 'providerId'], message: 'each provider takes part once' });
      });
    }),
});

/** A plan as written (δ and the loss bound may be left out). Ids are positive safe integers: JSON numbers, not strings. */
export type FederatedPlanInput = z.input<typeof planSchema>;
/** A checked plan, δ filled in and the algorithm's hash in lower case. */
export type FederatedPlan = z.output<typeof planSchema>;
export type Participant = FederatedPlan['participants'][number];

/**
 * The first thing in `value` that JSON cannot carry as it is (NaN, ±Infinity, undefined, a bigint, a class instance),
 * or a "__proto__" key, which parsers drop or turn into a prototype, so the step would not see what was hashed.
 */
function notJson(value: unknown): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : String(value);
  if (Array.isArray(value)) return value.map(notJson).find((found) => found !== undefined);
  if (typeof value !== 'object') return `a ${typeof value}`;
  // Plain: made by a literal or JSON.parse, in this realm or another (Object.prototype, whose own prototype is null).
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== null && Object.getPrototypeOf(prototype) !== null) return 'an object that is not plain JSON';
  if (Object.hasOwn(value, '__proto__')) return 'a "__proto__" key';
  return Object.values(value).map(notJson).find((found) => found !== undefined);
}

/** Checks `input` is a plan a node runs: FederatedPlanError naming every problem otherwise. */
export function parsePlan(input: unknown): FederatedPlan {
  // Before zod or the canonical encoding recurse into it: a few kilobytes can nest deep enough to overflow the stack.
  const nesting = jsonNesting(input);
  if (nesting > MAX_PARAMS_NESTING) throw new FederatedPlanError(`it nests ${nesting} levels deep; at most ${MAX_PARAMS_NESTING}`, 'flatten the params');
  const parsed = planSchema.safeParse(input);
  if (!parsed.success) throw new FederatedPlanError(parsed.error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`).join('; '));
  const plan = parsed.data;
  // The input's params, not zod's copy of them, which has already dropped a "__proto__" key.
  const bad = notJson((input as { params: unknown }).params);
  if (bad !== undefined) throw new FederatedPlanError(`params: holds ${bad}, which JSON cannot carry`, 'params take JSON values only: finite numbers, strings, booleans, null, arrays and plain objects');
  const size = new TextEncoder().encode(canonicalJson(plan.params)).length;
  if (size > MAX_PARAMS_BYTES) throw new FederatedPlanError(`params take ${size} bytes as JSON; at most ${MAX_PARAMS_BYTES}`, 'pass data through the datasets, not the params');
  return plan;
}

/** The plan's one spelling: checked, keys sorted at every level, no whitespace. What nodes are sent and what is hashed. */
export function encodePlan(plan: unknown): string {
  return canonicalJson(parsePlan(plan));
}

/** The bytes32 every job of the run commits to as its algorithmHash: SHA-256 of the encoded plan, as an algorithm file is hashed. */
export function planHash(plan: unknown): Hex {
  return algorithmHash(new TextEncoder().encode(encodePlan(plan)));
}

/**
 * The numbers a node releases each round: the d coordinates of its weighted update, its weighted loss when the plan
 * bounds one, and its sample count. Every length check of a round's vectors and every byte count uses this.
 */
export function vectorLength(plan: Pick<FederatedPlan, 'dimension' | 'lossBound'>): number {
  return plan.dimension + (plan.lossBound === undefined ? 1 : 2);
}
