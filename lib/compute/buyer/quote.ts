/**
 * A compute job's quote, read from the chain the same way for the SDK and the browser: the dataset's offer and
 * terms, the provider's environment, whether the dataset's owner allows that provider, and what the dataset's release
 * budgets leave the buyer. The quote carries what `requestJob` binds — the terms id (and so the currency and data
 * fee), the environment's specification hash, the ε and bytes reserved, and the escrow — so a change landing before
 * the payment reverts instead of selling the buyer something else. A job over several datasets on one provider (a
 * run) is quoted dataset by dataset, the dataset at fault named, and escrows every data fee and the minutes once.
 * No Node imports: pages use it.
 */
import { encodeAbiParameters, getAbiItem, keccak256, type Address, type Chain, type Hex, type PublicClient, type Transport } from 'viem';
import { computeMarketAbi } from '../../contracts';
import { ComputeJobError, JobDatasetError } from '../errors';
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
  datasetId: bigint;
  /** The dataset's terms now: the purchase is bound to them. */
  termsId: bigint;
  /** The dataset's compute price. */
  dataFee: bigint;
  pricePerMinute: bigint;
  /** What ComputeMarket escrows for this job: the data fee plus every minute paid for (on a run's first job only); unused minutes come back. */
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

/** What the buyer picks for a job over several datasets on one provider: one job per dataset, linked into one run and one escrow. */
export type RunChoice = Omit<JobChoice, 'datasetId'> & {
  /** 1 to {@link MAX_RUN_DATASETS} datasets, in any order: the run takes them in ascending order, as requestJob wants them. */
  datasetIds: readonly bigint[];
};

/** A run's quote: each dataset's, and what the one requestJob escrows for them all. */
export interface RunQuote {
  /** Each dataset's quote, by ascending id: the order of the run's jobs. Only the first job's escrow holds the minutes. */
  jobs: JobQuote[];
  /** Σ data fees + the provider's minutes once: what requestJob takes. */
  escrow: bigint;
  /** Σ data fees. */
  dataFees: bigint;
  pricePerMinute: bigint;
  currency: Address;
  environment: Environment;
  environmentSpec: Hex;
  endpoint: string;
}

/** ComputeMarket.MAX_LINKED_JOBS: the most datasets one run takes. */
export const MAX_RUN_DATASETS = 8;

/** "dataset 3" or "datasets 3, 10". */
export function datasetsText(datasetIds: readonly bigint[]): string {
  return `dataset${datasetIds.length === 1 ? '' : 's'} ${datasetIds.join(', ')}`;
}

/** The run's dataset ids in the order requestJob takes them; a count out of range or an id named twice refused in words. */
export function runDatasets(datasetIds: readonly bigint[]): bigint[] {
  if (datasetIds.length === 0) throw new ComputeJobError('a job needs a dataset', 'name one or more dataset ids');
  if (datasetIds.length > MAX_RUN_DATASETS) throw new ComputeJobError(`a job runs on at most ${MAX_RUN_DATASETS} datasets; ${datasetIds.length} were named`, 'split the datasets over several jobs');
  const sorted = [...datasetIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const twice = sorted.find((id, i) => i > 0 && sorted[i - 1] === id);
  if (twice !== undefined) throw new JobDatasetError(twice, `dataset ${twice} is named twice`, 'name each dataset once');
  return sorted;
}

/**
 * The quote for `buyer` of a job over one or several datasets on one provider, with every check the contract makes
 * said in words before anything is paid, naming the dataset at fault (JobDatasetError): each dataset listed and
 * computable, its owner allowing the provider, its licence allowing AI training when the job declares it, its
 * release budgets leaving the ε and bytes asked, and all in one currency. Every job reserves the same ε (the results
 * are computed from every dataset) and the same bytes: the fewest any budget leaves, since a run releases the same
 * results for all of its jobs.
 */
export async function quoteRun(client: Reader, contracts: { datasetRegistry: Address; computeMarket: Address }, choice: RunChoice, buyer: Address): Promise<RunQuote> {
  const { computeMarket } = contracts;
  const datasetIds = runDatasets(choice.datasetIds);
  const [provider, datasets] = await Promise.all([
    client.readContract({ address: computeMarket, abi: computeMarketAbi, functionName: 'getProvider', args: [choice.providerId] }),
    Promise.all(
      datasetIds.map(async (datasetId) => {
        const [offer, allowed, budget] = await Promise.all([
          readOffer(client, contracts.datasetRegistry, datasetId),
          client.readContract({ address: computeMarket, abi: computeMarketAbi, functionName: 'isProviderAllowed', args: [datasetId, choice.providerId] }),
          releaseLeft(client, computeMarket, datasetId, buyer),
        ]);
        return { datasetId, offer, allowed, budget };
      }),
    ),
  ]);
  for (const { datasetId, offer, allowed } of datasets) {
    if (!offer.listed) throw new JobDatasetError(datasetId, `dataset ${datasetId} is delisted: it takes no new jobs`, 'choose another dataset');
    if (!offer.computeOnly && offer.computePrice === 0n) throw new JobDatasetError(datasetId, `dataset ${datasetId} does not offer compute jobs`, datasets.length === 1 ? 'buy a download licence instead' : 'leave it out of the job, or buy a download licence for it');
    if (!allowed) throw new JobDatasetError(datasetId, `the owner of dataset ${datasetId} does not allow provider ${choice.providerId} to run jobs on it`, datasets.length === 1 ? 'choose one the owner allows (`datagora providers of <dataset>`, or the dataset page)' : 'choose a provider every owner allows (`datagora providers of <dataset>`), or leave the dataset out');
  }
  const environment = provider.environments[choice.environment];
  if (!provider.active || !environment) throw new ComputeJobError(`provider ${choice.providerId} has no active environment ${choice.environment}`, 'choose another provider or environment');
  const [first] = datasets;
  const epsilon = choice.epsilon ?? 0n;
  for (const { datasetId, offer, budget } of datasets) {
    if (offer.currency !== first!.offer.currency) throw new JobDatasetError(datasetId, `dataset ${datasetId} is priced in ${offer.currency}, dataset ${first!.datasetId} in ${first!.offer.currency}: one job escrows one currency`, 'run a separate job on the datasets of each currency');
    if (choice.aiTraining && !offer.aiTrainingAllowed) throw new JobDatasetError(datasetId, `dataset ${datasetId}'s licence does not allow AI training`, datasets.length === 1 ? 'do not declare AI training, or choose another dataset' : 'do not declare AI training, or leave the dataset out');
    if (epsilon > budget.epsilon) throw new JobDatasetError(datasetId, `the job would spend ε ${epsilonText(epsilon)} of dataset ${datasetId}'s privacy budget, which leaves you ε ${epsilonText(budget.epsilon)}`, budget.epsilon === 0n ? 'the budget is spent: nothing more can be asked of this dataset with noise' : 'ask for less ε (more noise)');
    if (choice.releaseBytes !== undefined && choice.releaseBytes > budget.bytes) throw new JobDatasetError(datasetId, `the job would release up to ${choice.releaseBytes} bytes of dataset ${datasetId}, where its byte budget leaves you ${budget.bytes}`, budget.bytes === 0n ? 'your byte budget on this dataset is spent' : `ask for at most ${budget.bytes} bytes`);
    if (budget.bytes === 0n) throw new JobDatasetError(datasetId, `your byte budget on dataset ${datasetId} is spent: a job could release nothing`, 'ask the owner for a larger budget');
  }
  const releaseBytes = choice.releaseBytes ?? datasets.reduce((least, { budget }) => (budget.bytes < least ? budget.bytes : least), MAX_JOB_BYTES);
  const environmentSpec = environmentSpecHash(environment);
  // ComputeMarket.escrowOf per job: its data fee, and the minutes on the run's first job only (the provider's run is priced once).
  const minutes = BigInt(choice.maxMinutes) * environment.pricePerMinute;
  const jobs = datasets.map(({ datasetId, offer, budget }, i): JobQuote => ({
    datasetId,
    termsId: offer.termsId,
    dataFee: offer.computePrice,
    pricePerMinute: environment.pricePerMinute,
    escrow: offer.computePrice + (i === 0 ? minutes : 0n),
    currency: offer.currency,
    aiTrainingAllowed: offer.aiTrainingAllowed,
    environment,
    environmentSpec,
    endpoint: provider.endpoint,
    epsilon,
    releaseBytes,
    epsilonLeft: budget.epsilon,
    noiseRequired: budget.noiseRequired,
  }));
  const dataFees = jobs.reduce((sum, job) => sum + job.dataFee, 0n);
  return { jobs, escrow: dataFees + minutes, dataFees, pricePerMinute: environment.pricePerMinute, currency: first!.offer.currency, environment, environmentSpec, endpoint: provider.endpoint };
}

/** The quote of a job on one dataset for `buyer`, with every check the contract makes, in words. */
export async function quoteJob(client: Reader, contracts: { datasetRegistry: Address; computeMarket: Address }, choice: JobChoice, buyer: Address): Promise<JobQuote> {
  const { jobs } = await quoteRun(client, contracts, { ...choice, datasetIds: [choice.datasetId] }, buyer);
  return jobs[0]!;
}

/** One dataset of a ComputeMarket.requestJob call: `choice` at `quote`. */
export function jobInput(choice: JobChoice, quote: JobQuote) {
  return { datasetId: choice.datasetId, termsId: quote.termsId, providerId: choice.providerId, environment: choice.environment, environmentSpec: quote.environmentSpec, epsilon: quote.epsilon, releaseBytes: quote.releaseBytes };
}

/** ComputeMarket.requestJob's arguments for a job on one dataset: `choice` at `quote`, with the algorithm's hash. */
export function requestJobArgs(choice: JobChoice, quote: JobQuote, algorithmHash: Hex) {
  return [[jobInput(choice, quote)], algorithmHash, choice.aiTraining, choice.maxMinutes, quote.escrow] as const;
}

/** ComputeMarket.requestJob's arguments for a run: one input per dataset of `quote`, in its (ascending) order, and its whole escrow. */
export function requestRunArgs(choice: RunChoice, quote: RunQuote, algorithmHash: Hex) {
  return [quote.jobs.map((job) => jobInput({ ...choice, datasetId: job.datasetId }, job)), algorithmHash, choice.aiTraining, choice.maxMinutes, quote.escrow] as const;
}
