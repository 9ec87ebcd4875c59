/**
 * Proving a derivative's content came out of a compute job: the receipt's hash and the proof that the content is
 * one of the job's outputs rebuild the result hash the job settled with, as the registry rebuilds it; a file the
 * job did not release, or outputs other than those the receipt signed for, are refused with the job's outputs named.
 */
import { signReceipt, settledResultHash, type SignedReceipt } from '@/lib/compute/receipt';
import type { ResultFile } from '@/lib/compute/results';
import { sha256Hex } from '@/lib/crypto';
import { LineageError } from '@/lib/lineage/errors';
import { resultHashOf, rootFromProof } from '@/lib/lineage/outputs';
import { contentProof } from '@/lib/lineage/provenance';
import { receiptOf, RECEIPT_MARKET as MARKET, RECEIPT_NODE as NODE } from '../helpers/receipts';

const bytes = (text: string) => new TextEncoder().encode(text);

/** `count` outputs, listed out of path order as a manifest may not be sorted. */
function outputsOf(count: number): ResultFile[] {
  return Array.from({ length: count }, (_, i) => {
    const content = bytes(`weights of layer ${i}`);
    return { path: `model/part-${count - i}.json`, size: content.length, sha256: sha256Hex(content) };
  });
}

const signed = (outputs: readonly ResultFile[]): Promise<SignedReceipt> => signReceipt(NODE, receiptOf(outputs), MARKET.chainId, MARKET.computeMarket);

test.each([1, 2, 3, 4, 5])('each of %i outputs proves to the result hash the job settled with', async (count) => {
  const outputs = outputsOf(count);
  const receipt = await signed(outputs);
  const settled = settledResultHash(receipt.receipt, MARKET.chainId, MARKET.computeMarket);
  for (const output of outputs) {
    const proof = contentProof(receipt, outputs, output.sha256);
    expect(resultHashOf(proof.receiptHash, rootFromProof(output.sha256, proof.outputsProof))).toBe(settled);
    // Given as the registry's bytes32 (0x, any case) the content proves the same.
    expect(contentProof(receipt, outputs, `0x${output.sha256.toUpperCase()}`)).toEqual(proof);
  }
});

test('a file the job did not release is refused, naming the job and its outputs', async () => {
  const outputs = [...outputsOf(2), { path: 'metrics.json', size: 2, sha256: sha256Hex(bytes('{}')) }];
  const [receipt, logsOnly] = await Promise.all([signed(outputs), signed([])]);
  const other = sha256Hex(bytes('a model trained elsewhere'));
  expect(() => contentProof(receipt, outputs, other)).toThrow(
    expect.objectContaining({
      constructor: LineageError,
      message: `the content (SHA-256 ${other}) is not one of job 7's outputs: outputs/model/part-2.json, outputs/model/part-1.json, outputs/metrics.json`,
      hint: 'publish the file the job released, unchanged (e.g. outputs/model/part-2.json)',
    }),
  );
  // A job that released no outputs (its logs only) proves no content.
  expect(() => contentProof(logsOnly, [], other)).toThrow(/is not one of job 7's outputs: it released none/);
});

test('outputs other than those the receipt signed for are refused, even when they hold the content', async () => {
  const outputs = outputsOf(3);
  const receipt = await signed(outputs);
  const content = outputs[0]!.sha256;
  const forged = sha256Hex(bytes('forged'));
  for (const tampered of [
    outputs.map((output, i) => (i === 1 ? { ...output, sha256: forged } : output)),
    outputs.slice(0, 2),
    [...outputs, { path: 'model/extra.json', size: 6, sha256: forged }],
  ]) {
    expect(() => contentProof(receipt, tampered, content)).toThrow(LineageError);
    expect(() => contentProof(receipt, tampered, content)).toThrow("the outputs given for job 7 do not hash to its receipt's outputsRoot");
  }
  expect(() => contentProof(receipt, outputs, 'model.json')).toThrow(/"model.json" is not a SHA-256/);
  expect(() => contentProof(receipt, [{ ...outputs[0]!, sha256: 'zz' }], content)).toThrow(LineageError);
});
