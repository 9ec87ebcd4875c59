/**
 * The receipt of a run over several datasets (format v3): it names every job of the run with its dataset and
 * content, binds that list into its hash, and holds against each job's own record on-chain; a malformed list, or a
 * job it does not name, is refused. Receipts of single jobs stay v2, with their typed data unchanged.
 */
import { ReceiptError } from '@/lib/compute/errors';
import { parseSignedReceipt, RECEIPT_FORMAT, receiptHash, receiptJobIds, RUN_RECEIPT_FORMAT, settledResultHash, signReceipt, verifyReceiptOnChain, type JobOnChain, type Receipt } from '@/lib/compute/receipt';
import { sha256Hex } from '@/lib/crypto';
import { receiptOf, RECEIPT_MARKET as MARKET, RECEIPT_NODE as NODE } from '../helpers/receipts';

const model = new TextEncoder().encode('{"weights":[0.4,-1.2]}');
const single = receiptOf([{ path: 'model.json', size: model.length, sha256: sha256Hex(model) }]);
/** Job 7 on dataset 3 and job 8 on dataset 5, run together. */
const run: Receipt = {
  ...single,
  datasets: [
    { jobId: '7', datasetId: '3', datasetCid: 'bafy-data' },
    { jobId: '8', datasetId: '5', datasetCid: 'bafy-ward' },
  ],
};

const chainOf = (jobId: bigint, datasetId: bigint, resultHash: `0x${string}`): JobOnChain => ({
  jobId,
  job: { datasetId, providerId: 1n, algorithmHash: run.algorithmHash },
  nodeKey: NODE.address,
  settlement: { resultHash, minutesUsed: 1, delivered: true },
});

test('a run’s receipt names every job and holds against each of them on-chain, settled with its one result', async () => {
  const signed = await signReceipt(NODE, run, MARKET.chainId, MARKET.computeMarket);
  expect(signed.format).toBe(RUN_RECEIPT_FORMAT);
  expect(parseSignedReceipt(JSON.parse(JSON.stringify(signed)))).toEqual(signed);
  expect(receiptJobIds(signed.receipt)).toEqual([7n, 8n]);
  const settled = settledResultHash(run, MARKET.chainId, MARKET.computeMarket);
  const hash = receiptHash(run, MARKET.chainId, MARKET.computeMarket);
  await expect(verifyReceiptOnChain(signed, MARKET, chainOf(7n, 3n, settled))).resolves.toBe(hash);
  await expect(verifyReceiptOnChain(signed, MARKET, chainOf(8n, 5n, settled))).resolves.toBe(hash);
  // Without a job id the chain's record is the receipt's own job's.
  await expect(verifyReceiptOnChain(signed, MARKET, { ...chainOf(7n, 3n, settled), jobId: undefined })).resolves.toBe(hash);

  const refused = (chain: JobOnChain, words: RegExp) => expect(verifyReceiptOnChain(signed, MARKET, chain)).rejects.toThrow(words);
  await refused(chainOf(8n, 3n, settled), /another dataset or algorithm than job 8/);
  await refused(chainOf(9n, 6n, settled), /does not name job 9/);
  await refused(chainOf(8n, 5n, `0x${'ee'.repeat(32)}`), /job 8 settled on-chain with result/);
});

test('the datasets are bound into the receipt’s hash; a single job’s receipt stays v2, its hash unchanged', async () => {
  const hashOf = (receipt: Receipt) => receiptHash(receipt, MARKET.chainId, MARKET.computeMarket);
  const other = { ...run, datasets: [run.datasets![0]!, { ...run.datasets![1]!, datasetCid: 'bafy-other' }] };
  expect(hashOf(other)).not.toBe(hashOf(run));
  expect(hashOf(run)).not.toBe(hashOf(single));
  const signed = await signReceipt(NODE, single, MARKET.chainId, MARKET.computeMarket);
  expect(signed.format).toBe(RECEIPT_FORMAT);
  // What a v2 receipt of job 7 has always hashed to (EIP-712 over the 18 fields, this market's domain).
  expect(hashOf(single)).toBe('0x6de5c018c895b10cf584dd674b74702285bde4baae3890638e7090276aab538e');
});

test('a malformed run list, or a format that does not match it, is refused with the field named', async () => {
  const signed = await signReceipt(NODE, run, MARKET.chainId, MARKET.computeMarket);
  const parse = (receipt: unknown, format: string = RUN_RECEIPT_FORMAT) => () => parseSignedReceipt({ ...signed, format, receipt });
  const [first, second] = run.datasets! as [NonNullable<Receipt['datasets']>[number], NonNullable<Receipt['datasets']>[number]];
  expect(parse({ ...run, datasets: [{ ...first, datasetId: '4' }, second] })).toThrow(/datasets\.0: must be the receipt’s own job/);
  expect(parse({ ...run, datasets: [first, { ...second, jobId: '9' }] })).toThrow(/datasets\.1\.jobId: must be job 8/);
  expect(parse({ ...run, datasets: [first, { ...second, datasetId: '2' }] })).toThrow(/datasets\.1\.datasetId: must follow the previous dataset/);
  expect(parse({ ...run, datasets: [first] })).toThrow(ReceiptError);
  expect(parse(run, RECEIPT_FORMAT)).toThrow(/format: must be datagora\/compute-receipt\/v3/);
  expect(parse(single)).toThrow(/format/);
});
