/**
 * The signed receipt of a compute job: what ran (dataset content, algorithm, environment, node software), what
 * came out (hashes of the released outputs and logs, the Merkle root of the outputs, the encrypted results' CID),
 * how it ended and the minutes billed. The node key signs it as EIP-712 in ComputeMarket's domain; the job settles
 * on-chain with its typed-data hash bound to the outputs root (`settledResultHash`), so a receipt, the settlement
 * and the files check each other, and the registry can check that a derivative's content is one of the outputs.
 *
 * A run over several datasets (ComputeMarket.requestJob with linked jobs) has one receipt, of format v3: it names
 * every job of the run with its dataset and content (`datasets`), and every job settles with its one result hash,
 * so a derivative can claim each dataset as a parent through that dataset's own job. A job on one dataset keeps the
 * v2 receipt, whose typed data is unchanged.
 */
import { hashTypedData, isAddressEqual, recoverTypedDataAddress, type Address, type Hex, type LocalAccount, type TypedData, type TypedDataDefinition } from 'viem';
import { z } from 'zod';
import { resultHashOf } from '../lineage/outputs';
import { ReceiptError } from './errors';
import { filesHash, filesRoot, type ResultFile } from './results';
import { resultDomain, type Job, type ResultDomain } from './settlement';

export const RECEIPT_TYPES = {
  Receipt: [
    { name: 'jobId', type: 'uint256' },
    { name: 'datasetId', type: 'uint256' },
    { name: 'datasetCid', type: 'string' },
    { name: 'algorithmHash', type: 'bytes32' },
    { name: 'outputHash', type: 'bytes32' },
    { name: 'outputsRoot', type: 'bytes32' },
    { name: 'logsHash', type: 'bytes32' },
    { name: 'resultsCid', type: 'string' },
    { name: 'status', type: 'string' },
    { name: 'reason', type: 'string' },
    { name: 'exitCode', type: 'int32' },
    { name: 'minutesUsed', type: 'uint32' },
    { name: 'delivered', type: 'bool' },
    { name: 'environment', type: 'uint8' },
    { name: 'hardware', type: 'string' },
    { name: 'nodeVersion', type: 'string' },
    { name: 'startedAt', type: 'uint64' },
    { name: 'finishedAt', type: 'uint64' },
  ],
} as const;

/** A run's receipt (v3): the v2 fields and every job of the run with its dataset. */
export const RUN_RECEIPT_TYPES = {
  Receipt: [...RECEIPT_TYPES.Receipt, { name: 'datasets', type: 'RunDataset[]' }],
  RunDataset: [
    { name: 'jobId', type: 'uint256' },
    { name: 'datasetId', type: 'uint256' },
    { name: 'datasetCid', type: 'string' },
  ],
} as const;

/** ComputeMarket.MAX_LINKED_JOBS: the most jobs one run has. */
const MAX_RUN_JOBS = 8;

const bytes32 = z.custom<Hex>((value) => typeof value === 'string' && /^0x[0-9a-f]{64}$/.test(value), 'must be 32 bytes as 0x + 64 lower-case hex');
const address = z.custom<Address>((value) => typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value), 'must be an address');
const uint = z.string().regex(/^(0|[1-9][0-9]{0,77})$/);
const datasetCid = z.string().min(1).max(200);

/** One job of a run and the dataset it mounted. */
export const runDatasetSchema = z.strictObject({ jobId: uint, datasetId: uint, datasetCid });
export type RunDataset = z.infer<typeof runDatasetSchema>;

/** A receipt as JSON (integers of 64 bits and more as decimal strings). */
export const receiptSchema = z.strictObject({
  jobId: uint,
  datasetId: uint,
  datasetCid,
  algorithmHash: bytes32,
  outputHash: bytes32,
  /** The Merkle root of the released outputs' SHA-256s in path order (lib/lineage/outputs.ts); zero for none. */
  outputsRoot: bytes32,
  logsHash: bytes32,
  /** The encrypted results on IPFS; empty when nothing was released. */
  resultsCid: z.string().max(200),
  status: z.enum(['finished', 'failed']),
  /** Why the job failed (a reason code), or empty. */
  reason: z.string().max(64),
  /** The algorithm's exit code; -1 when it did not run or was killed by a signal. */
  exitCode: z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1),
  minutesUsed: z.number().int().min(0).max(2 ** 32 - 1),
  /** Whether outputs or logs were released to the buyer (the data fee is paid only then). */
  delivered: z.boolean(),
  environment: z.number().int().min(0).max(255),
  hardware: z.string().max(300),
  nodeVersion: z.string().max(64),
  startedAt: uint,
  finishedAt: uint,
  /**
   * A run's jobs in order (v3 only): the first is the receipt's own job, dataset and content; the others follow it
   * with consecutive ids, their datasets in ascending order, as ComputeMarket links them.
   */
  datasets: z
    .array(runDatasetSchema)
    .min(2)
    .max(MAX_RUN_JOBS)
    .optional(),
}).superRefine((receipt, context) => {
  const run = receipt.datasets;
  if (!run) return;
  const [first] = run;
  if (first!.jobId !== receipt.jobId || first!.datasetId !== receipt.datasetId || first!.datasetCid !== receipt.datasetCid) {
    context.addIssue({ code: 'custom', path: ['datasets', 0], message: 'must be the receipt’s own job, dataset and content' });
  }
  run.forEach((entry, i) => {
    if (i === 0) return;
    if (BigInt(entry.jobId) !== BigInt(receipt.jobId) + BigInt(i)) context.addIssue({ code: 'custom', path: ['datasets', i, 'jobId'], message: `must be job ${BigInt(receipt.jobId) + BigInt(i)}: a run's jobs are consecutive` });
    if (BigInt(entry.datasetId) <= BigInt(run[i - 1]!.datasetId)) context.addIssue({ code: 'custom', path: ['datasets', i, 'datasetId'], message: 'must follow the previous dataset in ascending order' });
  });
});
export type Receipt = z.infer<typeof receiptSchema>;

/** A job on one dataset. */
export const RECEIPT_FORMAT = 'datagora/compute-receipt/v2';
/** A run over several datasets: the receipt names them all (`datasets`). */
export const RUN_RECEIPT_FORMAT = 'datagora/compute-receipt/v3';

/** A receipt with the node key's signature and the contract it settles on, as saved to `receipt.json`. */
export const signedReceiptSchema = z
  .strictObject({
    format: z.enum([RECEIPT_FORMAT, RUN_RECEIPT_FORMAT]),
    receipt: receiptSchema,
    chainId: z.number().int().positive(),
    computeMarket: address,
    signer: address,
    signature: z.custom<Hex>((value) => typeof value === 'string' && /^0x[0-9a-fA-F]{130}$/.test(value), 'must be a 65-byte hex signature'),
  })
  .refine((signed) => signed.format === formatOf(signed.receipt), { path: ['format'], message: `must be ${RUN_RECEIPT_FORMAT} for a receipt naming a run's datasets, else ${RECEIPT_FORMAT}` });
export type SignedReceipt = z.infer<typeof signedReceiptSchema>;

function formatOf(receipt: Receipt): typeof RECEIPT_FORMAT | typeof RUN_RECEIPT_FORMAT {
  return receipt.datasets ? RUN_RECEIPT_FORMAT : RECEIPT_FORMAT;
}

/** The jobs a receipt covers, by id: its own, then the rest of its run. */
export function receiptJobIds(receipt: Receipt): bigint[] {
  return receipt.datasets ? receipt.datasets.map((entry) => BigInt(entry.jobId)) : [BigInt(receipt.jobId)];
}

/** The receipt as EIP-712 typed data: v2's types, or v3's for a run's receipt. */
function typedData(receipt: Receipt, chainId: number, computeMarket: Address): TypedDataDefinition<TypedData, 'Receipt'> {
  const { datasets, ...fields } = receipt;
  const message = { ...fields, jobId: BigInt(receipt.jobId), datasetId: BigInt(receipt.datasetId), startedAt: BigInt(receipt.startedAt), finishedAt: BigInt(receipt.finishedAt) };
  const domain = resultDomain(chainId, computeMarket);
  if (!datasets) return { domain, types: RECEIPT_TYPES, primaryType: 'Receipt' as const, message };
  return {
    domain,
    types: RUN_RECEIPT_TYPES,
    primaryType: 'Receipt' as const,
    message: { ...message, datasets: datasets.map((entry) => ({ jobId: BigInt(entry.jobId), datasetId: BigInt(entry.datasetId), datasetCid: entry.datasetCid })) },
  };
}

/** The receipt's EIP-712 hash: what a lineage claim names as `receiptHash`. */
export function receiptHash(receipt: Receipt, chainId: number, computeMarket: Address): Hex {
  return hashTypedData(typedData(receipt, chainId, computeMarket));
}

/** The `resultHash` the job settles with: the receipt's hash bound to its outputs root. */
export function settledResultHash(receipt: Receipt, chainId: number, computeMarket: Address): Hex {
  return resultHashOf(receiptHash(receipt, chainId, computeMarket), receipt.outputsRoot);
}

/** Signs `receipt` with the node key. */
export async function signReceipt(node: LocalAccount, receipt: Receipt, chainId: number, computeMarket: Address): Promise<SignedReceipt> {
  const parsed = receiptSchema.parse(receipt);
  const signature = await node.signTypedData(typedData(parsed, chainId, computeMarket));
  return { format: formatOf(parsed), receipt: parsed, chainId, computeMarket, signer: node.address, signature };
}

/** Parses a receipt file's JSON; ReceiptError names what is wrong. */
export function parseSignedReceipt(json: unknown): SignedReceipt {
  const parsed = signedReceiptSchema.safeParse(json);
  if (!parsed.success) {
    throw new ReceiptError(`not a Datagora compute receipt: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'receipt'}: ${issue.message}`).join('; ')}`, 'pass the receipt.json a job wrote');
  }
  return parsed.data;
}

/** Checks that the receipt's stated signer signed it; returns its hash. */
export async function verifyReceiptSignature(signed: SignedReceipt): Promise<Hex> {
  const data = typedData(signed.receipt, signed.chainId, signed.computeMarket);
  const recovered = await recoverTypedDataAddress({ ...data, signature: signed.signature }).catch(() => undefined);
  if (!recovered || !isAddressEqual(recovered, signed.signer)) throw new ReceiptError(`the receipt of job ${signed.receipt.jobId} was not signed by ${signed.signer}`);
  return hashTypedData(data);
}

/** What the chain records of a job, read by whoever checks its receipt (the CLI's SDK or a browser). */
export interface JobOnChain {
  /** Which job of a run's receipt this is (each job of a run settles with the one receipt); absent: the receipt's own. */
  jobId?: bigint;
  /** The job as its JobRequested event holds it. */
  job: Pick<Job, 'datasetId' | 'providerId' | 'algorithmHash'>;
  /** The node key its provider is registered with. */
  nodeKey: Address;
  /** Its JobSettled event; undefined while it is not settled. */
  settlement: { resultHash: Hex; minutesUsed: number; delivered: boolean } | undefined;
}

/**
 * Checks a receipt against the market it names and the chain's record of one job it covers (its own job, or for a
 * run's receipt any job of the run): signed by the node key of the job's provider, naming the job's dataset and
 * algorithm, and the job settled with exactly its result hash, minutes and delivery. A run's receipt holds for
 * every dataset it names once it holds for each of their jobs (receiptJobIds). Returns its (EIP-712) hash; throws
 * ReceiptError naming the first thing that does not hold.
 */
export async function verifyReceiptOnChain(signed: SignedReceipt, market: ResultDomain, chain: JobOnChain): Promise<Hex> {
  const jobId = chain.jobId?.toString() ?? signed.receipt.jobId;
  if (signed.chainId !== market.chainId || !isAddressEqual(signed.computeMarket, market.computeMarket)) {
    throw new ReceiptError(`the receipt is for ComputeMarket ${signed.computeMarket} on chain ${signed.chainId}, not ${market.computeMarket} on chain ${market.chainId}`, 'check it against the market the job ran on');
  }
  const hash = await verifyReceiptSignature(signed);
  const entry = (signed.receipt.datasets ?? [signed.receipt]).find((named) => named.jobId === jobId);
  if (!entry) throw new ReceiptError(`the receipt of job ${signed.receipt.jobId} does not name job ${jobId}`, 'check the receipt of that job');
  if (!isAddressEqual(chain.nodeKey, signed.signer)) throw new ReceiptError(`the receipt is signed by ${signed.signer}, but job ${jobId}'s provider ${chain.job.providerId} has node key ${chain.nodeKey}`);
  if (signed.receipt.algorithmHash !== chain.job.algorithmHash || entry.datasetId !== chain.job.datasetId.toString()) throw new ReceiptError(`the receipt names another dataset or algorithm than job ${jobId} committed`);
  const settled = chain.settlement;
  if (!settled) throw new ReceiptError(`job ${jobId} is not settled on-chain`, 'wait for the settlement, or refund after the deadline');
  const result = settledResultHash(signed.receipt, signed.chainId, signed.computeMarket);
  if (settled.resultHash !== result || settled.minutesUsed !== signed.receipt.minutesUsed || settled.delivered !== signed.receipt.delivered) {
    throw new ReceiptError(`job ${jobId} settled on-chain with result ${settled.resultHash}, ${settled.minutesUsed} min, delivered ${settled.delivered}; the receipt settles as ${result} with ${signed.receipt.minutesUsed} min, delivered ${signed.receipt.delivered}`);
  }
  return hash;
}

/**
 * Checks released files against their receipt: the outputs hash to its outputHash and outputsRoot, the logs to its
 * logsHash. `where` names each kind in the error (the outputs of job 7, the files under out/outputs).
 */
export function verifyReceiptFiles(receipt: Receipt, files: Record<'outputs' | 'logs', readonly ResultFile[]>, where: Record<'outputs' | 'logs', string>, hint: string): void {
  const mismatch = (kind: 'outputs' | 'logs', field: string) => new ReceiptError(`${where[kind]} do not hash to the receipt's ${field}`, hint);
  if (filesHash(files.outputs) !== receipt.outputHash) throw mismatch('outputs', 'outputHash');
  if (filesRoot(files.outputs) !== receipt.outputsRoot) throw mismatch('outputs', 'outputsRoot');
  if (filesHash(files.logs) !== receipt.logsHash) throw mismatch('logs', 'logsHash');
}
