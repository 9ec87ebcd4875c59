/**
 * A derivative's parents checked before anything of it is uploaded or signed, by the rules the registry enforces
 * when it is published (contracts/base/Lineage.sol): each parent's current terms, read here and accepted in the
 * claim, allow derivatives (and AI training, for a model); the publisher owns the parent, holds a valid licence to
 * it, or names a compute job on it that it paid for and whose delivered outputs include the content; reciprocal
 * parents bind the child to the same rights and non-commercial ones forbid commercial use; at most 8 ancestors share
 * at most 100 %. The chain checks all of it again: checking first turns a revert into a sentence that says what to
 * do, and no upload, gas or signature is spent on a derivative the chain would refuse.
 */
import { isAddressEqual, zeroAddress, zeroHash, type ContractFunctionArgs, type Hex } from 'viem';
import { contractsOf, datasetRegistryAbi, type LicenceTerms } from '../contracts';
import type { SignedReceipt } from '../compute/receipt';
import type { ResultFile } from '../compute/results';
import type { Job } from '../compute/settlement';
import { presetOf } from '../licence/presets';
import { readOffer } from '../market/licence';
import type { MarketPort } from '../market/port';
import { LineageError } from './errors';
import { resultHashOf } from './outputs';
import { contentProof } from './provenance';

export const ASSET_KINDS = ['dataset', 'model'] as const;
/** What an asset is: the registry's AssetKind by name. */
export type AssetKind = (typeof ASSET_KINDS)[number];

/** A parent the publisher owns or holds a valid licence to, or one it computed on in job `jobId`. */
export type ParentRef = { parentId: bigint } | { parentId: bigint; jobId: bigint };

/** What a derivative is and what it derives from. */
export interface DerivationInput {
  kind: AssetKind;
  parents: readonly ParentRef[];
}

/** The registry's Derivation struct, as publishAsset takes it. */
export type Derivation = ContractFunctionArgs<typeof datasetRegistryAbi, 'nonpayable', 'publishAsset'>[3];
type ParentClaim = Derivation['parents'][number];

/** Most ancestors an asset may have (Lineage.MAX_ANCESTORS). */
export const MAX_ANCESTORS = 8;
const ALL_BPS = 10_000;

/** A compute job as requested on-chain, and its results as its buyer opens them on this host. */
export interface RequestedJobOutputs {
  /** The job as its JobRequested event holds it. */
  job: Job;
  /** Its receipt and released outputs, checked against the chain; only the job's buyer can open them. */
  open(): Promise<{ receipt: SignedReceipt; outputs: readonly ResultFile[] }>;
}

/** What checking a derivative reads: the chain as the publisher, and (for job parents) the jobs it paid for. */
export interface DerivationPort extends MarketPort {
  /** Job `jobId` and its outputs as this host opens them; absent where no job's results can be opened. */
  computeJob?(jobId: bigint): Promise<RequestedJobOutputs>;
}

/** The registry's name of each rule a derivative can break (Lineage.sol's errors), plus a parent named twice. */
export type LineageRule =
  | 'DerivativesNotAllowed'
  | 'TrainingNotAllowed'
  | 'NotLicensed'
  | 'NotJobBuyer'
  | 'JobNotOnParent'
  | 'JobNotTraining'
  | 'ContentNotProven'
  | 'ReciprocalTermsRequired'
  | 'CommercialUseNotAllowed'
  | 'TooManyAncestors'
  | 'RoyaltiesOverAll'
  | 'ParentsNotAscending';

/** A derivative the registry would refuse: `rule` is its error's name in Lineage.sol. */
export class DerivationRefusedError extends LineageError {
  constructor(
    readonly rule: LineageRule,
    message: string,
    hint: string,
  ) {
    super(message, hint);
  }
}

/** A parent as read from the chain before it is claimed. */
interface ParentState {
  ref: ParentRef;
  owner: Hex;
  termsId: bigint;
  terms: LicenceTerms;
  ancestors: readonly { assetId: bigint; bps: number }[];
}

/** The registry's terms fields its rights hash covers: equal for terms a reciprocal parent accepts. */
const RIGHTS = ['commercialRevShare', 'computeOnly', 'aiTrainingAllowed', 'transferable', 'commercialUse', 'commercialAttribution', 'derivativesAllowed', 'derivativesAttribution', 'derivativesReciprocal', 'uri'] as const;

/** The job of a claim entitled by ownership or a licence: all zeroes, which the registry ignores. */
export const EMPTY_JOB: Job = {
  datasetId: 0n,
  providerId: 0n,
  buyer: zeroAddress,
  currency: zeroAddress,
  algorithmHash: zeroHash,
  dataFee: 0n,
  pricePerMinute: 0n,
  maxMinutes: 0,
  feeBps: 0,
  environment: 0,
  aiTraining: false,
  deadline: 0n,
  epsilon: 0n,
  releaseBytes: 0n,
};

const percent = (bps: number) => `${bps / 100} %`;
const hasJob = (ref: ParentRef): ref is { parentId: bigint; jobId: bigint } => 'jobId' in ref;

/** Whether the derivative names a parent through a job: its content must then be hashed before anything else. */
export function derivesFromJob(input: DerivationInput): boolean {
  return input.parents.some(hasJob);
}

/**
 * The registry's Derivation for `input` but its content hash, for an asset published under `childTerms`: every
 * parent checked as the registry will check it, in ascending id order with the terms it is sold under now. A job
 * parent proves the content of SHA-256 `contentSha256` (0x + hex), which it needs. Throws DerivationRefusedError
 * (or contentProof's LineageError, or DatasetNotFoundError) for the first rule it breaks.
 */
export async function checkDerivation(port: DerivationPort, childTerms: LicenceTerms, input: DerivationInput, contentSha256?: Hex): Promise<Omit<Derivation, 'contentHash'>> {
  const parents = [...input.parents].sort((a, b) => (a.parentId < b.parentId ? -1 : a.parentId > b.parentId ? 1 : 0));
  const repeated = parents.find((ref, i) => i > 0 && ref.parentId === parents[i - 1]!.parentId);
  if (repeated) throw new DerivationRefusedError('ParentsNotAscending', `dataset ${repeated.parentId} is named twice as a parent`, 'name each parent once');
  const model = input.kind === 'model';
  const states = await Promise.all(parents.map((ref) => readParent(port, ref)));
  const claims: ParentClaim[] = [];
  for (const parent of states) {
    checkParentTerms(parent, model);
    claims.push(hasJob(parent.ref) ? await jobClaim(port, parent, parent.ref.jobId, model, contentSha256) : await licenceClaim(port, parent));
    checkChildTerms(parent, childTerms);
  }
  checkAncestors(states);
  return { kind: model ? 1 : 0, parents: claims };
}

async function readParent(port: MarketPort, ref: ParentRef): Promise<ParentState> {
  const { registry } = contractsOf(port.market);
  const offer = await readOffer(port.publicClient, registry.address, ref.parentId);
  const [terms, ancestors] = await Promise.all([
    port.publicClient.readContract({ ...registry, functionName: 'getTerms', args: [offer.termsId] }),
    offer.ancestors > 0 ? port.publicClient.readContract({ ...registry, functionName: 'ancestorsOf', args: [ref.parentId] }) : [],
  ]);
  return { ref, owner: offer.owner, termsId: offer.termsId, terms, ancestors };
}

function checkParentTerms({ ref, terms }: ParentState, model: boolean): void {
  const id = ref.parentId;
  if (!terms.derivativesAllowed) {
    throw new DerivationRefusedError('DerivativesNotAllowed', `the licence of dataset ${id} (${presetOf(terms)}) does not allow derivatives`, `derive only from data whose licence allows derivatives (\`datagora show ${id}\` says)`);
  }
  if (model && !terms.aiTrainingAllowed) {
    throw new DerivationRefusedError('TrainingNotAllowed', `the licence of dataset ${id} (${presetOf(terms)}) does not allow AI training, so no model may derive from it`, 'train on data whose licence allows AI training, or publish what is not a trained model as a derived dataset (--kind dataset)');
  }
}

async function licenceClaim(port: MarketPort, { ref, owner, termsId, terms }: ParentState): Promise<ParentClaim> {
  const id = ref.parentId;
  const entitled = isAddressEqual(owner, port.account) || (await port.publicClient.readContract({ ...contractsOf(port.market).marketplace, functionName: 'hasLicence', args: [id, port.account] }));
  if (!entitled) {
    throw new DerivationRefusedError(
      'NotLicensed',
      `${port.account} neither owns dataset ${id} nor holds a valid licence to it`,
      terms.computeOnly ? `dataset ${id} is compute-only: name the compute job you derived it in (--derived-from-job JOB)` : `buy a licence first (\`datagora buy ${id}\`), or name the compute job you derived it in`,
    );
  }
  return { parentId: id, termsId, jobId: 0n, job: EMPTY_JOB, receiptHash: zeroHash, outputsProof: [] };
}

async function jobClaim(port: DerivationPort, { ref, termsId }: ParentState, jobId: bigint, model: boolean, contentSha256: Hex | undefined): Promise<ParentClaim> {
  const id = ref.parentId;
  if (contentSha256 === undefined) throw new TypeError('a job parent proves the content: hash it first (derivesFromJob)');
  if (!port.computeJob) throw new LineageError(`this host cannot open the results of job ${jobId}`, 'publish from the machine or browser that requested the job');
  const { job, open } = await port.computeJob(jobId);
  if (!isAddressEqual(job.buyer, port.account)) {
    throw new DerivationRefusedError('NotJobBuyer', `job ${jobId} was paid for by ${job.buyer}, not by ${port.account}`, 'publish as the account that requested the job (--account / --private-key-env)');
  }
  if (job.datasetId !== id) throw new DerivationRefusedError('JobNotOnParent', `job ${jobId} computed on dataset ${job.datasetId}, not on dataset ${id}`, `name dataset ${job.datasetId} as the job's parent`);
  if (model && !job.aiTraining) {
    throw new DerivationRefusedError('JobNotTraining', `job ${jobId} did not declare AI training, so no model may derive from it`, 'train in a job that declares it (the train template, or --ai-training), or publish a derived dataset (--kind dataset)');
  }
  const { receipt, outputs } = await open();
  if (!receipt.receipt.delivered) throw new DerivationRefusedError('ContentNotProven', `job ${jobId} delivered no results, so nothing can derive from it`, `see why with \`datagora job ${jobId}\``);
  const proof = contentProof(receipt, outputs, contentSha256);
  // The host opened and checked the results; the job struct it read is checked here as the registry checks it.
  const resultHash = resultHashOf(proof.receiptHash, receipt.receipt.outputsRoot);
  if (!(await port.publicClient.readContract({ ...contractsOf(port.market).computeMarket, functionName: 'isDeliveredResult', args: [jobId, job, resultHash] }))) {
    throw new DerivationRefusedError('ContentNotProven', `job ${jobId} did not settle on-chain with the results its receipt names`, `check the receipt with \`datagora receipt verify\``);
  }
  return { parentId: id, termsId, jobId, job, ...proof };
}

function checkChildTerms({ ref, terms }: ParentState, child: LicenceTerms): void {
  const id = ref.parentId;
  if (terms.derivativesReciprocal && RIGHTS.some((field) => terms[field] !== child[field])) {
    const share = terms.commercialRevShare > 0 ? ` --rev-share-bps ${terms.commercialRevShare}` : '';
    throw new DerivationRefusedError(
      'ReciprocalTermsRequired',
      `the licence of dataset ${id} is reciprocal: its derivatives must carry the same licence (${presetOf(terms)}${terms.commercialRevShare > 0 ? `, ${percent(terms.commercialRevShare)} revenue share` : ''}, text ${terms.uri})`,
      `publish under the same licence (--licence ${presetOf(terms)}${share})`,
    );
  }
  if (!terms.commercialUse && child.commercialUse) {
    throw new DerivationRefusedError('CommercialUseNotAllowed', `the licence of dataset ${id} is non-commercial, so its derivatives may not be used commercially`, 'choose a licence without commercial use (--licence non-commercial)');
  }
}

/** Every ancestor's absolute share as the registry merges them: each parent's share, then the parent's own ancestors. */
function checkAncestors(parents: readonly ParentState[]): void {
  const shares = new Map<bigint, number>();
  for (const { ref, terms, ancestors } of parents) {
    for (const { assetId, bps } of [{ assetId: ref.parentId, bps: terms.commercialRevShare }, ...ancestors]) shares.set(assetId, (shares.get(assetId) ?? 0) + bps);
  }
  if (shares.size > MAX_ANCESTORS) {
    throw new DerivationRefusedError('TooManyAncestors', `the derivative would have ${shares.size} ancestors (its parents and theirs); at most ${MAX_ANCESTORS} may share its sales`, 'derive from fewer parents');
  }
  const total = [...shares.values()].reduce((sum, bps) => sum + bps, 0);
  if (total > ALL_BPS) {
    throw new DerivationRefusedError('RoyaltiesOverAll', `its ancestors' revenue shares would add up to ${percent(total)}, over 100 %`, 'derive from fewer parents, or from parents whose terms share less');
  }
}
