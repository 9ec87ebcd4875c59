/**
 * The federated training form as data, apart from its looks: the datasets (two or more, each trained on a provider
 * of its own that its owner allows), the local step and its parameters, the plan's rounds, clip and noise, and what
 * the page says of them — each dataset's provider, fee and ε, the escrow, each round as it completes — and the
 * choice as the SDK's federated actions take it.
 */
import { assignProviders, planEpsilon, type FederatedChoice, type RoundOutcome } from '@/lib/compute/actions/federated';
import { MAX_ALGORITHM_BYTES, runtimeOf } from '@/lib/compute/algorithm';
import type { JobQuote } from '@/lib/compute/buyer/quote';
import { DEFAULT_DELTA, MAX_CLIP, MAX_DIMENSION, MAX_LOSS_BOUND, MAX_NOISE_MULTIPLIER, MAX_PARTICIPANTS, MAX_ROUNDS, MIN_PARTICIPANTS, type FederatedPlan } from '@/lib/federated';
import type { Bar } from '@/components/charts/bar-chart';

/** ComputeMarket keeps maxMinutes in a uint32. */
const MAX_MINUTES = 2 ** 32 - 1;

/**
 * The example local step (examples/federated/README.md): logistic regression of the demo hospitals' alert on four
 * vitals, standardised with fixed constants; its model is one weight per feature, then the bias. It writes its loss
 * when `reportLoss` is true, which a plan takes exactly when it has a loss bound.
 */
export const EXAMPLE = {
  name: 'local_logreg.py',
  href: '/api/examples/federated',
  params: { label: 'alert', features: ['age', 'heart_rate', 'spo2', 'resp_rate'], mean: [60, 85, 96, 16.5], scale: [15, 10, 2, 3.5], lr: 1, epochs: 10, reportLoss: true },
  dimension: 5,
} as const;

export interface FederatedForm {
  /** The datasets picked, in the order they were added. */
  datasetIds: string[];
  /** The bundled example's local step, or the buyer's own file. */
  source: 'example' | 'file';
  file: File | null;
  params: string;
  dimension: string;
  rounds: string;
  clip: string;
  noise: string;
  /** The bound L of the loss each provider reports each round; empty: none is reported. */
  lossBound: string;
  minutes: string;
}

export type FederatedProblems = Partial<Record<'datasetId' | 'file' | 'params' | 'dimension' | 'rounds' | 'clip' | 'noise' | 'lossBound' | 'minutes', string>>;

/**
 * A new form over `datasetIds`: the example with its parameters, 3 rounds, clip 1, noise multiplier 1, and the
 * loss reported up to 2 (the example's log-loss starts at ln 2 from the zero model).
 */
export function initialForm(datasetIds: string[]): FederatedForm {
  return { datasetIds, source: 'example', file: null, params: JSON.stringify(EXAMPLE.params), dimension: String(EXAMPLE.dimension), rounds: '3', clip: '1', noise: '1', lossBound: '2', minutes: '10' };
}

/** The parameters as a JSON object, or why they are not one. */
function paramsOf(text: string): { params: Record<string, unknown> } | { problem: string } {
  if (!text.trim()) return { params: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `Not JSON: ${(error as Error).message}` };
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { params: value as Record<string, unknown> } : { problem: 'The parameters must be a JSON object, e.g. {"label": "alert"}.' };
}

/** A decimal in [min, max] (above min where `open`), or undefined. */
function decimal(text: string, min: number, max: number, open = false): number | undefined {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) && (open ? value > min : value >= min) && value <= max ? value : undefined;
}

function whole(text: string, min: number, max: number): number | undefined {
  return /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max ? Number(text) : undefined;
}

/** The problems of the form, in words, by field. */
export function federatedProblems(form: FederatedForm): FederatedProblems {
  const problems: FederatedProblems = {};
  if (form.datasetIds.length < MIN_PARTICIPANTS) problems.datasetId = `Choose at least ${MIN_PARTICIPANTS} datasets: each trains the model on its own provider.`;
  else if (form.datasetIds.length > MAX_PARTICIPANTS) problems.datasetId = `Federated training takes at most ${MAX_PARTICIPANTS} datasets: remove ${form.datasetIds.length - MAX_PARTICIPANTS}.`;
  if (form.source === 'file') {
    if (!form.file) problems.file = 'Choose the local step’s file.';
    else if (!runtimeOf(form.file.name)) problems.file = 'Providers run Python (.py) and Node.js (.js, .mjs, .cjs) files only.';
    else if (form.file.size > MAX_ALGORITHM_BYTES) problems.file = `Providers accept algorithms up to ${MAX_ALGORITHM_BYTES / 2 ** 20} MiB.`;
  }
  const params = paramsOf(form.params);
  if ('problem' in params) problems.params = params.problem;
  const dimension = whole(form.dimension, 1, MAX_DIMENSION);
  if (dimension === undefined) problems.dimension = `Give the number of the model’s weights, from 1 to ${MAX_DIMENSION.toLocaleString('en-US')}.`;
  else if (form.source === 'example' && 'params' in params && Array.isArray(params.params.features) && dimension !== params.params.features.length + 1) {
    problems.dimension = `The example’s model has a weight per feature and a bias: ${params.params.features.length + 1} for ${params.params.features.length} features.`;
  }
  if (whole(form.rounds, 1, MAX_ROUNDS) === undefined) problems.rounds = `Give a whole number of rounds, from 1 to ${MAX_ROUNDS}.`;
  if (decimal(form.clip, 0, MAX_CLIP, true) === undefined) problems.clip = `Give a clip norm above 0, at most ${MAX_CLIP}.`;
  if (decimal(form.noise, 0, MAX_NOISE_MULTIPLIER) === undefined) problems.noise = `Give a noise multiplier from 0 (no noise) to ${MAX_NOISE_MULTIPLIER}.`;
  const lossBound = form.lossBound.trim() !== '';
  if (lossBound && decimal(form.lossBound, 0, MAX_LOSS_BOUND, true) === undefined) problems.lossBound = `Give a loss bound above 0, at most ${MAX_LOSS_BOUND}, or leave it empty to report no loss.`;
  // Each provider refuses an update with a loss the plan did not ask for, and one without the loss it did.
  else if (form.source === 'example' && 'params' in params && (params.params.reportLoss === true) !== lossBound) {
    problems.lossBound = lossBound ? 'The example reports its loss only with "reportLoss": true among its parameters: add it, or leave the loss bound empty.' : 'The example reports its loss with "reportLoss": true, which needs a loss bound: give one, or take reportLoss out.';
  }
  if (whole(form.minutes, 1, MAX_MINUTES) === undefined) problems.minutes = 'Give a whole number of minutes, at least 1.';
  return problems;
}

/** The form's choice with a provider for each dataset (in the form's order), or null while a part of it is missing or invalid. */
export function federatedChoiceOf(form: FederatedForm, problems: FederatedProblems, providerIds: readonly bigint[] | null): FederatedChoice | null {
  if (Object.keys(problems).length > 0 || providerIds === null || providerIds.length !== form.datasetIds.length) return null;
  return {
    participants: form.datasetIds.map((id, i) => ({ datasetId: BigInt(id), providerId: providerIds[i]!, environment: 0 })),
    maxMinutes: Number(form.minutes),
    rounds: Number(form.rounds),
    clip: Number(form.clip),
    noiseMultiplier: Number(form.noise),
    dimension: Number(form.dimension),
    ...(form.lossBound.trim() !== '' ? { lossBound: Number(form.lossBound) } : {}),
    params: (paramsOf(form.params) as { params: Record<string, unknown> }).params,
  };
}

/**
 * A provider for each dataset among those its owner allows (`allowed[i]`, in order of preference), every one
 * different; or, when there is none, why, in the SDK's words.
 */
export function providerAssignment(datasetIds: readonly string[], allowed: readonly (readonly bigint[])[]): { providerIds: bigint[] } | { problem: string } {
  try {
    return { providerIds: assignProviders(datasetIds.map(BigInt), allowed) };
  } catch (error) {
    return { problem: `No provider of its own for each dataset: ${(error as Error).message}.` };
  }
}

/** ε and losses to three significant digits. */
const threeDigits = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

/**
 * What the plan spends of each dataset's privacy: ε over every round (δ; a reported loss adds to each round's), or
 * no differential privacy without noise.
 */
export function privacyText({ rounds, noiseMultiplier, delta = DEFAULT_DELTA, lossBound }: { rounds: number; noiseMultiplier: number; delta?: number; lossBound?: number }): string {
  if (noiseMultiplier === 0) return 'no differential privacy (noise multiplier 0)';
  return `ε ${threeDigits.format(planEpsilon({ rounds, noiseMultiplier, delta, lossBound }))} over ${rounds} ${rounds === 1 ? 'round' : 'rounds'} (δ ${delta})`;
}

/** The plan in a line: its rounds, clip and noise, the loss it reports, and what it spends of each dataset. */
export function planText(plan: Pick<FederatedPlan, 'rounds' | 'clip' | 'noiseMultiplier' | 'delta' | 'lossBound'>): string {
  const shape = `${plan.rounds} ${plan.rounds === 1 ? 'round' : 'rounds'}, clip ${plan.clip}, noise multiplier ${plan.noiseMultiplier}, ${plan.lossBound === undefined ? 'no loss reported' : `loss reported up to ${plan.lossBound}`}`;
  return `${shape}: ${plan.noiseMultiplier === 0 ? 'no differential privacy' : `each dataset spends ${privacyText(plan)}`}`;
}

/** One dataset of the run as the price lists it: its provider's minutes and its owner's fee, escrowed together. */
export type ParticipantQuote = Pick<JobQuote, 'datasetId' | 'dataFee' | 'pricePerMinute' | 'escrow'> & { providerId: bigint };

/** The price's lines — each dataset's fee and its provider's minutes — and the total escrow, amounts in words by `amount`. */
export function priceLines(quotes: readonly ParticipantQuote[], minutes: number, amount: (value: bigint) => string): { lines: [string, string][]; total: string } {
  const lines = quotes.flatMap(({ datasetId, providerId, dataFee, pricePerMinute }): [string, string][] => [
    [`Data fee of dataset #${datasetId}`, amount(dataFee)],
    [`Provider #${providerId}, up to ${minutes} min × ${amount(pricePerMinute)}`, amount(pricePerMinute * BigInt(minutes))],
  ]);
  return { lines, total: amount(quotes.reduce((sum, quote) => sum + quote.escrow, 0n)) };
}

const seconds = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
/** A wall time in seconds, to a tenth: "2.3 s". */
export const wallTime = (ms: number): string => `${seconds.format(ms / 1000)} s`;
const providers = (ids: readonly bigint[]) => `${ids.length === 1 ? 'provider' : 'providers'} ${ids.map((id) => `#${id}`).join(', ')}`;

/** A completed round's cells: who took part, what each released, how long it took and who dropped out. */
export function roundCells(round: RoundOutcome): { round: string; participants: string; bytes: string; wall: string; dropped: string } {
  return {
    round: `${round.round}${round.attempts > 1 ? ` (${round.attempts} attempts)` : ''}`,
    participants: providers(round.participants),
    bytes: `${round.bytesPerProvider.toLocaleString('en-US')} B each`,
    wall: wallTime(round.wallMs),
    dropped: round.dropped.length > 0 ? `${providers(round.dropped)} dropped out` : 'none',
  };
}

/** The chart of the rounds: the loss of the model each one started from, or, where the plan reports none, each one's wall time. */
export function roundsChart(rounds: readonly RoundOutcome[]): { title: string; bars: Bar[]; format: (value: number) => string } {
  const bar = (round: RoundOutcome, value: number): Bar => ({ label: `Round ${round.round}`, value });
  if (rounds.length > 0 && rounds.every((round) => round.loss !== undefined)) {
    return { title: 'Training loss per round', bars: rounds.map((round) => bar(round, round.loss!)), format: (value) => threeDigits.format(value) };
  }
  return { title: 'Wall time per round (seconds)', bars: rounds.map((round) => bar(round, round.wallMs / 1000)), format: (value) => seconds.format(value) };
}
