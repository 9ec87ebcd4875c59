/**
 * A compute job's quote, read from the chain the same way for the SDK and the browser: the dataset's offer and
 * terms, the provider's environment and whether the dataset's owner allows that provider. The quote carries what
 * `requestJob` binds — the terms id (and so the currency and data fee), the environment's specification hash and
 * the escrow — so a change landing before the payment reverts instead of selling the buyer something else.
 * No Node imports: pages use it.
 */
import { encodeAbiParameters, getAbiItem, keccak256, type Address, type Chain, type Hex, type PublicClient, type Transport } from 'viem';
import { computeMarketAbi } from '../../contracts';
import { ComputeJobError } from '../errors';
import { readOffer } from '../../market/licence';
import type { Environment } from '../settlement';

/** What the buyer picks: the dataset, the provider and environment, the minutes paid for. */
export interface JobChoice {
  datasetId: bigint;
  providerId: bigint;
  environment: number;
  maxMinutes: number;
  /** The job trains an AI model (the licence must allow it). */
  aiTraining: boolean;
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

/** The job's quote, with every check the contract makes, in words. */
export async function quoteJob(client: Reader, contracts: { datasetRegistry: Address; computeMarket: Address }, choice: JobChoice): Promise<JobQuote> {
  const { computeMarket } = contracts;
  const [offer, provider, allowed] = await Promise.all([
    readOffer(client, contracts.datasetRegistry, choice.datasetId),
    client.readContract({ address: computeMarket, abi: computeMarketAbi, functionName: 'getProvider', args: [choice.providerId] }),
    client.readContract({ address: computeMarket, abi: computeMarketAbi, functionName: 'isProviderAllowed', args: [choice.datasetId, choice.providerId] }),
  ]);
  if (!offer.listed) throw new ComputeJobError(`dataset ${choice.datasetId} is delisted: it takes no new jobs`, 'choose another dataset');
  if (!offer.computeOnly && offer.computePrice === 0n) throw new ComputeJobError(`dataset ${choice.datasetId} does not offer compute jobs`, 'buy a download licence instead');
  if (!allowed) throw new ComputeJobError(`the owner of dataset ${choice.datasetId} does not allow provider ${choice.providerId} to run jobs on it`, 'choose one the owner allows (`datagora providers of <dataset>`, or the dataset page)');
  const environment = provider.environments[choice.environment];
  if (!provider.active || !environment) throw new ComputeJobError(`provider ${choice.providerId} has no active environment ${choice.environment}`, 'choose another provider or environment');
  if (choice.aiTraining && !offer.aiTrainingAllowed) throw new ComputeJobError(`dataset ${choice.datasetId}'s licence does not allow AI training`, 'do not declare AI training, or choose another dataset');
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
  };
}

/** ComputeMarket.requestJob's arguments for `choice` at `quote`, with the algorithm's hash. */
export function requestJobArgs(choice: JobChoice, quote: JobQuote, algorithmHash: Hex) {
  return [choice.datasetId, quote.termsId, choice.providerId, choice.environment, quote.environmentSpec, algorithmHash, choice.aiTraining, choice.maxMinutes, quote.escrow] as const;
}
