/**
 * What the compute page does in the browser, run here on Node's WebCrypto: a result key made with WebCrypto opens
 * what the node wraps with node:crypto, results decrypt and are checked file by file, a receipt is checked
 * against the chain's record of its job and against the released files, and a wallet-like signer signs a job's
 * sign-in.
 */
import { privateKeyToAccount } from 'viem/accounts';
import { jobAuthorization, verifyJobAuthorization } from '@/lib/compute/auth';
import { ReceiptError, ResultsError } from '@/lib/compute/errors';
import { receiptHash, settledResultHash, signReceipt, verifyReceiptFiles, verifyReceiptOnChain, type JobOnChain } from '@/lib/compute/receipt';
import { decryptResultFile, filesRoot, fromBase64, generateResultKey, openResultsKey, readResultsManifest, RESULTS_FORMAT, toBase64, wrapResultsKey } from '@/lib/compute/results';
import { encryptStream, generateDataKey, sha256Hex } from '@/lib/crypto';
import { receiptOf, RECEIPT_MARKET as MARKET, RECEIPT_NODE as NODE } from '../helpers/receipts';

const BUYER = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

const encrypted = (key: Uint8Array, bytes: Uint8Array) => collect(encryptStream(key, [bytes]));

test('base64url and base64 agree with Node’s, both ways', () => {
  const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256);
  expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
  expect(toBase64(bytes, 'base64')).toBe(Buffer.from(bytes).toString('base64'));
  expect(fromBase64(Buffer.from(bytes).toString('base64url'))).toEqual(bytes);
});

test('a WebCrypto result key opens the results key the node wraps; another key does not', async () => {
  const key = await generateResultKey();
  expect(key.privateKey.extractable).toBe(false);
  const resultsKey = generateDataKey();
  const wrapped = wrapResultsKey(resultsKey, key.publicKey);
  expect(await openResultsKey(wrapped, key)).toEqual(resultsKey);
  await expect(openResultsKey(wrapped, { ...key, privateKey: (await generateResultKey()).privateKey })).rejects.toBeInstanceOf(ResultsError);
});

test('released files decrypt only as the manifest describes them', async () => {
  const key = generateDataKey();
  const output = new TextEncoder().encode('{"accuracy":0.93}');
  const file = { path: 'metrics.json', size: output.length, sha256: sha256Hex(output), cid: 'bafy-output' };
  const manifest = { format: RESULTS_FORMAT, jobId: '7', outputs: [file], logs: [] };
  const read = await readResultsManifest([await encrypted(key, new TextEncoder().encode(JSON.stringify(manifest)))], key, 'bafy-manifest');
  expect(read).toEqual(manifest);
  const ciphertext = await encrypted(key, output);
  expect(await collect(decryptResultFile([ciphertext], key, file, 'outputs/metrics.json'))).toEqual(output);
  // Other bytes than the manifest names, longer or just different, are refused.
  await expect(collect(decryptResultFile([await encrypted(key, new TextEncoder().encode('{"accuracy":1.00}'))], key, file, 'outputs/metrics.json'))).rejects.toThrow(/outputs\/metrics\.json decrypted to 17 bytes/);
  await expect(collect(decryptResultFile([await encrypted(key, new Uint8Array(1000))], key, file, 'outputs/metrics.json'))).rejects.toBeInstanceOf(ResultsError);
  await expect(readResultsManifest([ciphertext], generateDataKey(), 'bafy-manifest')).rejects.toThrow(/does not decrypt/);
  await expect(readResultsManifest([await encrypted(key, new TextEncoder().encode('{"format":"other"}'))], key, 'bafy-manifest')).rejects.toThrow(/malformed/);
});

describe('a receipt checked against the chain', () => {
  const metrics = new TextEncoder().encode('{"accuracy":0.93}');
  const outputs = [{ path: 'metrics.json', size: metrics.length, sha256: sha256Hex(metrics) }];
  const receipt = receiptOf(outputs);
  const chainOf = (hash: `0x${string}`, patch: Partial<JobOnChain> = {}): JobOnChain => ({
    job: { datasetId: 3n, providerId: 1n, algorithmHash: receipt.algorithmHash },
    nodeKey: NODE.address,
    settlement: { resultHash: hash, minutesUsed: 1, delivered: true },
    ...patch,
  });

  test('holds when the provider’s node key signed it and the job settled with its hash bound to its outputs root', async () => {
    const signed = await signReceipt(NODE, receipt, MARKET.chainId, MARKET.computeMarket);
    const hash = settledResultHash(receipt, MARKET.chainId, MARKET.computeMarket);
    await expect(verifyReceiptOnChain(signed, MARKET, chainOf(hash))).resolves.toBe(receiptHash(receipt, MARKET.chainId, MARKET.computeMarket));

    const refused = (chain: JobOnChain, market = MARKET) => expect(verifyReceiptOnChain(signed, market, chain)).rejects.toBeInstanceOf(ReceiptError);
    await refused(chainOf(hash), { ...MARKET, chainId: 1 });
    await refused(chainOf(hash, { nodeKey: BUYER.address }));
    await refused(chainOf(hash, { job: { datasetId: 4n, providerId: 1n, algorithmHash: receipt.algorithmHash } }));
    await refused(chainOf(hash, { settlement: undefined }));
    await refused(chainOf(hash, { settlement: { resultHash: hash, minutesUsed: 2, delivered: true } }));
    await refused(chainOf(`0x${'ff'.repeat(32)}`));
    // A settlement with the bare receipt hash, as before outputs roots, is not this receipt's.
    await refused(chainOf(receiptHash(receipt, MARKET.chainId, MARKET.computeMarket)));
  });

  test('names exactly the released files: their hash and, for outputs, their root', () => {
    const hint = 'the provider released other files than it signed for';
    const where = { outputs: 'the outputs of job 7', logs: 'the logs of job 7' };
    expect(() => verifyReceiptFiles(receipt, { outputs, logs: [] }, where, hint)).not.toThrow();
    expect(() => verifyReceiptFiles(receipt, { outputs: [{ ...outputs[0]!, size: 18 }], logs: [] }, where, hint)).toThrow(/the outputs of job 7 do not hash to the receipt's outputHash/);
    expect(() => verifyReceiptFiles(receipt, { outputs, logs: outputs }, where, hint)).toThrow(/logsHash/);
    // A node that signs for the files it released but for the root of others (so that a file it never released
    // could be proven one of the job's outputs) is caught by the buyer opening the results.
    const model = { path: 'model.json', size: 2, sha256: sha256Hex(new TextEncoder().encode('{}')) };
    const otherRoot = { ...receipt, outputsRoot: filesRoot([...outputs, model]) };
    expect(() => verifyReceiptFiles(otherRoot, { outputs, logs: [] }, where, hint)).toThrow(ReceiptError);
    expect(() => verifyReceiptFiles(otherRoot, { outputs, logs: [] }, where, hint)).toThrow(/the outputs of job 7 do not hash to the receipt's outputsRoot/);
  });

  test('fails when the receipt was altered after signing', async () => {
    const signed = await signReceipt(NODE, receipt, MARKET.chainId, MARKET.computeMarket);
    const altered = { ...signed, receipt: { ...signed.receipt, minutesUsed: 0 } };
    await expect(verifyReceiptOnChain(altered, MARKET, chainOf(`0x${'00'.repeat(32)}`))).rejects.toThrow(/was not signed by/);
  });
});

test('a wallet seen only as address and signMessage signs a job sign-in the node accepts', async () => {
  const wallet = { address: BUYER.address, signMessage: BUYER.signMessage };
  const { publicKey } = await generateResultKey();
  const header = await jobAuthorization(wallet, { endpoint: 'http://127.0.0.1:7480', chainId: MARKET.chainId, jobId: 7n, resultKey: publicKey });
  await expect(verifyJobAuthorization(header, { host: '127.0.0.1:7480', chainId: MARKET.chainId, jobId: 7n })).resolves.toEqual({ address: BUYER.address, resultKey: publicKey });
  await expect(verifyJobAuthorization(header, { host: '127.0.0.1:7480', chainId: MARKET.chainId, jobId: 8n })).rejects.toMatchObject({ code: 'auth-wrong-job' });
});
