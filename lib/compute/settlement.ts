/**
 * ComputeMarket's on-chain settlement as the TypeScript side sees it: the EIP-712 domain and `JobResult` type a
 * provider's node key signs to settle a job, the Job and Environment structs, and the JobStatus and ResourceKind
 * enums. Written once here; the node, the CLI and the tests import them.
 */
import type { Address, Hex, LocalAccount } from 'viem';

/** ComputeMarket's Job and Environment structs, inferred from the generated ABI. */
export type { Environment, Job } from '../contracts';

/** ComputeMarket's JobStatus enum (contracts/ComputeMarket.sol), by name. */
export const JobStatus = { None: 0, Requested: 1, Accepted: 2, Settled: 3, Refunded: 4, Cancelled: 5 } as const;
/** A value of ComputeMarket's JobStatus enum. */
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** ComputeMarket's ResourceKind enum: the hardware an environment offers. */
export const ResourceKind = { Cpu: 0, Gpu: 1 } as const;
/** A value of ComputeMarket's ResourceKind enum. */
export type ResourceKind = (typeof ResourceKind)[keyof typeof ResourceKind];

/** The compute market a result settles on: the chain and the contract's address, which bind the signature. */
export interface ResultDomain {
  chainId: number;
  computeMarket: Address;
}

/** What the node key signs to settle a job: the fields of EIP-712 `JobResult`. */
export interface JobResult {
  jobId: bigint;
  /** Hash of the job's signed receipt (see receipt.ts). */
  resultHash: Hex;
  /** Minutes billed; at most the job's maxMinutes. */
  minutesUsed: number;
  /** Whether the results were released to the buyer; the dataset owner is paid the data fee only then. */
  delivered: boolean;
  /** Bytes of results released (0 unless delivered): what stays counted against the buyer's byte budget. */
  releasedBytes: bigint;
}

/**
 * The EIP-712 domain of ComputeMarket at `computeMarket` on `chainId`. Written out rather than read from the
 * contract (eip712Domain) so that signing needs no RPC call; the contract tests check it against the contract.
 */
export function resultDomain(chainId: number, computeMarket: Address) {
  return { name: 'Datagora ComputeMarket', version: '1', chainId, verifyingContract: computeMarket } as const;
}

/** EIP-712 `JobResult(uint256 jobId,bytes32 resultHash,uint32 minutesUsed,bool delivered,uint64 releasedBytes)`, as the contract hashes it. */
export const jobResultTypes = {
  JobResult: [
    { name: 'jobId', type: 'uint256' },
    { name: 'resultHash', type: 'bytes32' },
    { name: 'minutesUsed', type: 'uint32' },
    { name: 'delivered', type: 'bool' },
    { name: 'releasedBytes', type: 'uint64' },
  ],
} as const;

/** `account`'s EIP-712 signature of `result` for the compute market of `domain`: the `receiptSignature` of submitResult. */
export function signJobResult(account: LocalAccount, domain: ResultDomain, result: JobResult): Promise<Hex> {
  return account.signTypedData({
    domain: resultDomain(domain.chainId, domain.computeMarket),
    types: jobResultTypes,
    primaryType: 'JobResult',
    message: { jobId: result.jobId, resultHash: result.resultHash, minutesUsed: result.minutesUsed, delivered: result.delivered, releasedBytes: result.releasedBytes },
  });
}

/** EIP-712 `ProviderNode(address owner,address signer,string endpoint)`: a node key's consent to serve `owner`'s provider. */
export const providerNodeTypes = {
  ProviderNode: [
    { name: 'owner', type: 'address' },
    { name: 'signer', type: 'address' },
    { name: 'endpoint', type: 'string' },
  ],
} as const;

/**
 * The node key's signature letting `owner` register (or update) a provider with it at `endpoint`: the
 * `nodeSignature` of registerProvider/updateProvider, so nobody can claim someone else's node key.
 */
export function signProviderNode(node: LocalAccount, domain: ResultDomain, owner: Address, endpoint: string): Promise<Hex> {
  return node.signTypedData({
    domain: resultDomain(domain.chainId, domain.computeMarket),
    types: providerNodeTypes,
    primaryType: 'ProviderNode',
    message: { owner, signer: node.address, endpoint },
  });
}
