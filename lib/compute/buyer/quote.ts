/**
 * A compute job's quote, read from the chain the same way for the SDK and the browser: the dataset's offer and
 * terms, the provider's environment, whether the dataset's owner allows that provider, and what the dataset's release
 * budgets leave the buyer. The quote carries what `requestJob` binds — the terms id (and so the currency and data
 * fee), the environment's specification hash, the ε and bytes reserved, and the escrow — so a change landing before
 * the payment reverts instead of selling the buyer something else.
 * No Node imports: pages use it.
 */
import { encodeAbiParameters, getAbiItem, keccak256, type Address, type Chain, type Hex, type PublicClient, type Transport } from 'viem';
import { computeMarketAbi } from '../../contracts';
import { ComputeJobError } from '../errors';
import { readOffer } from '../../market/licence';
import type { Environment } from '../settlement';
import { requiresNoise } from '../policy';
import { epsilonText } from '../release-words';

/** What the buyer picks: the dataset, the provider and environment, the minutes paid for. */
export interface JobChoice {
  datasetId: bigint;
  providerId: bigint;
  environment: number;
  maxMinutes: number;
  /** The job trains an AI model (the licence must allow it). */
  aiTraining: boolean;
  /** Privacy budget the job's results spend, in millionths of ε (a noisy template's); 0 or absent for none. */
  epsilon?: bigint;
  /** Most bytes of results the job may release; absent: as many as the dataset's byte budget leaves the buyer. */
  releaseBytes?: bigint;
}

export interface JobQuote {
  /** The dataset's terms now: the purchase is bound to them. */
  termsId: bigint;
  /** The dataset's compute price. */
  dataFee: bigint;
  pricePerMinute: bigint;
  /** What ComputeMarket escrows: the data fee plus every minute paid for; unused minutes come back. */
  escrow: bigint;
  currency: Address;
  aiTrainingAllowed: boolean;
  /** The environment as the buyer saw it, and its hash as ComputeMarket.environmentHash computes it. */
  environment: Environment;
  environmentSpec: Hex;
  /** The provider node's API, where the algorithm goes. */
  endpoint: string;
  /** What the job reserves from the dataset's release budgets: ε in millionths, and bytes. */
  epsilon: bigint;
  releaseBytes: bigint;
  /** What the budgets leave the buyer beyond this job's ε (beyond any job's reach where no limit is set). */
  epsilonLeft: bigint;
  /** The dataset's owner set an ε budget: every template result must carry noise. */
  noiseRequired: boolean;
}

/** ReleaseBudgets.MAX_JOB_BYTES: the most bytes one job may reserve. */
export const MAX_JOB_BYTES = 1n << 40n;

/** What is left of `limit` after `used`; a limit of 0 is none. */
function left(limit: bigint, used: bigint): bigint {
  if (limit === 0n) return MAX_JOB_BYTES << 24n;
  return used >= limit ? 0n : limit - used;
}

/** What the dataset's release budgets leave `buyer`: ε in millionths, and bytes for one job. */
async function releaseLeft(client: Reader, computeMarket: Address, datasetId: bigint, buyer: Address): Promise<{ epsilon: bigint; bytes: bigint; noiseRequired: boolean }> {
  const [budget, [epsilonTotal, spent]] = await Promise.all([
    client.readContract({ address: computeMarket, abi: computeMarketAbi, functionName: 'releaseBudget', args: [datasetId] }),
    client.readContract({ address: computeMarket, abi: computeMarketAbi, functionName: 'releaseSpent', args: [datasetId, buyer] }),
  ]);
  const epsilon = [left(budget.epsilonTotal, epsilonTotal), left(budget.epsilonPerBuyer, spent.epsilon)].reduce((a, b) => (a < b ? a : b));
  const bytes = [left(budget.bytesPerJob, 0n), left(budget.bytesPerBuyer, spent.released), MAX_JOB_BYTES].reduce((a, b) => (a < b ? a : b));
  return { epsilon, bytes, noiseRequired: requiresNoise(budget) };
}

type Reader = PublicClient<Transport, Chain>;

const environmentParameter = (() => {
  const input = getAbiItem({ abi: computeMarketAbi, name: 'registerProvider' }).inputs[2];
  return { type: 'tuple', components: input.components } as const;
})();

/** keccak256(abi.encode(environment)): what ComputeMarket stores per environment and requestJob compares. */
export function environmentSpecHash(environment: Environment): Hex {
  return keccak256(encodeAbiParameters([environmentParameter], [environment]));
}

/** The ids of the providers the owner of `datasetId` allows, among `providerIds`. */
export async function allowedProviders(client: Reader, computeMarket: Address, datasetId: bigint, providerIds: readonly bigint[]): Promise<bigint[]> {
  const allowed = await Promise.all(providerIds.map((id) => client.readContract({ address: computeMarket, abi: computeMarketAbi, functionName: 'isProviderAllowed', args: [datasetId, id] })));
  return providerIds.filter((_, i) => allowed[i]);
}

/** The job's quote for `buyer`, with every check the contract makes, in words. */
export async function quoteJob(client: Reader, contracts: { datasetRegistry: Address; computeMarket: Address }, choice: JobChoice, buyer: Address): Promise<JobQuote> {
  const { computeMarket } = contracts;
  const [offer, provider, allowed, budget] = await Promise.all([
    readOffer(client, contracts.datasetRegistry, choice.datasetId),
    client.readContract({ address: computeMarket, abi: computeMarketAbi, functionName: 'getProvider', args: [choice.providerId] }),
    client.readContract({ address: computeMarket, abi: computeMarketAbi, functionName: 'isProviderAllowed', args: [choice.datasetId, choice.providerId] }),
    releaseLeft(client, computeMarket, choice.datasetId, buyer),
  ]);
  if (!offer.listed) throw new ComputeJobError(`dataset ${choice.datasetId} is delisted: it takes no new jobs`, 'choose another dataset');
  if (!offer.computeOnly && offer.computePrice === 0n) throw new ComputeJobError(`dataset ${choice.datasetId} does not offer compute jobs`, 'buy a download licence instead');
  if (!allowed) throw new ComputeJobError(`the owner of dataset ${choice.datasetId} does not allow provider ${choice.providerId} to run jobs on it`, 'choose one the owner allows (`datagora providers of <dataset>`, or the dataset page)');
  const environment = provider.environments[choice.environment];
  if (!provider.active || !environment) throw new ComputeJobError(`provider ${choice.providerId} has no active environment ${choice.environment}`, 'choose another provider or environment');
  if (choice.aiTraining && !offer.aiTrainingAllowed) throw new ComputeJobError(`dataset ${choice.datasetId}'s licence does not allow AI training`, 'do not declare AI training, or choose another dataset');
  const epsilon = choice.epsilon ?? 0n;
  if (epsilon > budget.epsilon) throw new ComputeJobError(`the job would spend ε ${epsilonText(epsilon)} of dataset ${choice.datasetId}'s privacy budget, which leaves you ε ${epsilonText(budget.epsilon)}`, budget.epsilon === 0n ? 'the budget is spent: nothing more can be asked of this dataset with noise' : 'ask for less ε (more noise)');
  const releaseBytes = choice.releaseBytes ?? budget.bytes;
  if (releaseBytes > budget.bytes) throw new ComputeJobError(`the job would release up to ${releaseBytes} bytes of dataset ${choice.datasetId}, where its byte budget leaves you ${budget.bytes}`, budget.bytes === 0n ? 'your byte budget on this dataset is spent' : `ask for at most ${budget.bytes} bytes`);
  if (releaseBytes === 0n) throw new ComputeJobError(`your byte budget on dataset ${choice.datasetId} is spent: a job could release nothing`, 'ask the owner for a larger budget');
  return {
    termsId: offer.termsId,
    dataFee: offer.computePrice,
    pricePerMinute: environment.pricePerMinute,
    // ComputeMarket.escrowOf: the data fee plus every minute paid for.
    escrow: offer.computePrice + BigInt(choice.maxMinutes) * environment.pricePerMinute,
    currency: offer.currency,
    aiTrainingAllowed: offer.aiTrainingAllowed,
    environment,
    environmentSpec: environmentSpecHash(environment),
    endpoint: provider.endpoint,
    epsilon,
    releaseBytes,
    epsilonLeft: budget.epsilon,
    noiseRequired: budget.noiseRequired,
  };
}

/** One dataset of a ComputeMarket.requestJob call: `choice` at `quote`. */
export function jobInput(choice: JobChoice, quote: JobQuote) {
  return { datasetId: choice.datasetId, termsId: quote.termsId, providerId: choice.providerId, environment: choice.environment, environmentSpec: quote.environmentSpec, epsilon: quote.epsilon, releaseBytes: quote.releaseBytes };
}

/** ComputeMarket.requestJob's arguments for a job on one dataset: `choice` at `quote`, with the algorithm's hash. */
export function requestJobArgs(choice: JobChoice, quote: JobQuote, algorithmHash: Hex) {
  return [[jobInput(choice, quote)], algorithmHash, choice.aiTraining, choice.maxMinutes, quote.escrow] as const;
}
