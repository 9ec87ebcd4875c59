/**
 * Proof that a derivative's content came out of a compute job, for the ParentClaim the registry checks: the job
 * settled with keccak256(abi.encode(receipt hash, outputs root)), so the receipt's hash and the Merkle proof that
 * the content's SHA-256 is one of the outputs let the chain rebuild that result hash and compare it with the job's.
 */
import type { Hex } from 'viem';
import { receiptHash, type SignedReceipt } from '../compute/receipt';
import { filesRoot, sha256sByPath } from '../compute/results';
import { LineageError } from './errors';
import { outputsProof } from './outputs';

/** An output a job released, as its results manifest lists it. */
export interface ReleasedOutput {
  path: string;
  sha256: string;
}

const SHA256 = /^(0x)?[0-9a-fA-F]{64}$/;

/**
 * The receipt hash and outputs proof that show `contentSha256` is one of the outputs of `signed`'s job. Throws
 * LineageError when `outputs` are not the ones the receipt signed for, or the content is not among them.
 */
export function contentProof(signed: SignedReceipt, outputs: readonly ReleasedOutput[], contentSha256: string): { receiptHash: Hex; outputsProof: Hex[] } {
  const job = signed.receipt.jobId;
  const malformed = [contentSha256, ...outputs.map((output) => output.sha256)].find((sha256) => !SHA256.test(sha256));
  if (malformed !== undefined) throw new LineageError(`${JSON.stringify(malformed.slice(0, 80))} is not a SHA-256`, 'give SHA-256s as 64 hex digits, as the results manifest lists them');
  if (filesRoot(outputs) !== signed.receipt.outputsRoot) {
    throw new LineageError(`the outputs given for job ${job} do not hash to its receipt's outputsRoot`, 'pass the outputs exactly as the job released them (its results manifest), with the receipt.json of the same job');
  }
  const proof = outputsProof(sha256sByPath(outputs), contentSha256);
  if (!proof) {
    const paths = outputs.map((output) => `outputs/${output.path}`);
    throw new LineageError(
      `the content (SHA-256 ${contentSha256.replace(/^0x/, '').toLowerCase()}) is not one of job ${job}'s outputs: ${paths.length ? paths.join(', ') : 'it released none'}`,
      `publish the file the job released, unchanged (e.g. ${paths[0] ?? 'outputs/model.json'})`,
    );
  }
  return { receiptHash: receiptHash(signed.receipt, signed.chainId, signed.computeMarket), outputsProof: proof };
}
