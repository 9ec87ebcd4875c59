/**
 * Publishing from the browser, so the server never sees plaintext: the file is read in a stream, encrypted
 * (AES-256-GCM, DGE1 chunks) and hashed in the page, sent as ciphertext parts to the web app's upload route,
 * its data key sealed to the key network in the page, the document signed with the wallet (EIP-712), and
 * the id reservation, the listing and the allowed providers sent by the wallet. Mirrors Market.publish, with the
 * wallet and the routes in place of a local key and a direct store.
 */
import type { Hex } from 'viem';
import { datasetRegistryAbi, type LicenceTerms } from '../contracts';
import { ciphertextSize, createSha256, DEFAULT_CHUNK_SIZE, encryptStream, generateDataKey, sha256Hex, toHex } from '../crypto';
import type { EncryptionTarget } from '../access/envelope';
import { reserveDatasetId, setProvidersAllowed } from '../market/reserve';
import type { WriteRequest } from '../market/send';
import { firstVersion, type UploadedContent } from '../market/document';
import { assertPublishable, FileProfiler, formatOf } from '../market/files';
import { metadataPointer } from '../metadata/cid';
import { signDataset } from '../metadata/signing';
import type { TermsJson, TermsRequest } from '../market/terms';
import { sealDataKey } from './keys';
import { chunksOf } from './streams';
import { storeDocument } from './metadata';
import { uploadCiphertext } from './upload';
import { addressOf, callApi, send, signer, type BrowserWallet } from './wallet';

export interface BrowserPublishInput {
  file: File;
  title: string;
  description?: string;
  tags: string[];
  /** Data rows shown publicly (CSV / JSON lines); 0 for none. */
  previewRows: number;
  terms: TermsRequest;
  /** Compute providers allowed to run jobs on the dataset (their nodes see its plaintext); may be empty. */
  providers: readonly bigint[];
}

export type PublishStep = 'licence' | 'encrypt' | 'terms' | 'reserve' | 'key' | 'sign' | 'list' | 'providers';
export interface PublishProgress {
  step: PublishStep;
  /** Plaintext bytes encrypted and uploaded so far (step `encrypt`). */
  bytes?: number;
  total?: number;
}

export interface BrowserPublishResult {
  datasetId: bigint;
  metadataCid: string;
  contentCid: string;
  txHash: Hex;
}

/** Encrypts the file in the page and uploads the ciphertext as the wallet's account; the data key stays here. */
export async function encryptAndUpload(wallet: BrowserWallet, file: File, previewRows: number, onBytes: (bytes: number) => void): Promise<UploadedContent & { dataKey: Uint8Array }> {
  const dataKey = generateDataKey();
  const hash = createSha256();
  const profiler = new FileProfiler(formatOf(file.name), previewRows);
  let bytes = 0;
  async function* plaintext(): AsyncGenerator<Uint8Array> {
    for await (const value of chunksOf(file.stream())) {
      hash.update(value);
      profiler.observe(value);
      bytes += value.length;
      onBytes(bytes);
      yield value;
    }
  }
  const stored = await uploadCiphertext(wallet, ciphertextSize(file.size, DEFAULT_CHUNK_SIZE), encryptStream(dataKey, plaintext(), { chunkSize: DEFAULT_CHUNK_SIZE }));
  return {
    dataKey,
    contentCid: stored.cid,
    contentSize: stored.size,
    chunkSize: DEFAULT_CHUNK_SIZE,
    plaintextSha256: toHex(hash.digest()),
    size: bytes,
    profile: profiler.profile(),
  };
}

function termsFromJson(json: TermsJson): LicenceTerms {
  return { ...json, downloadPrice: BigInt(json.downloadPrice), computePrice: BigInt(json.computePrice), accessDuration: BigInt(json.accessDuration) };
}

/** The id of identical terms, registering them with the wallet first if they are new. */
async function ensureTerms(wallet: BrowserWallet, terms: LicenceTerms): Promise<bigint> {
  const registry = wallet.config.contracts.datasetRegistry;
  const read = () => wallet.publicClient.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'termsIdOf', args: [terms] });
  const existing = await read();
  if (existing !== 0n) return existing;
  await send(wallet, 'register the licence terms', { address: registry, abi: datasetRegistryAbi, functionName: 'registerTerms', args: [terms] });
  return read();
}

export async function publishFromBrowser(wallet: BrowserWallet, input: BrowserPublishInput, onProgress: (progress: PublishProgress) => void): Promise<BrowserPublishResult> {
  const registry = wallet.config.contracts.datasetRegistry;
  const publisher = addressOf(wallet);
  assertPublishable(input.file.name, input.file.size);
  // The licence is checked (and its legal text stored) before any upload, so a bad choice costs nothing.
  onProgress({ step: 'licence' });
  const { terms } = await callApi<{ terms: TermsJson }>('/api/terms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input.terms) });

  const total = input.file.size;
  onProgress({ step: 'encrypt', bytes: 0, total });
  const { dataKey, ...upload } = await encryptAndUpload(wallet, input.file, input.previewRows, (bytes) => onProgress({ step: 'encrypt', bytes, total }));

  onProgress({ step: 'terms' });
  const termsId = await ensureTerms(wallet, termsFromJson(terms));
  const domain = { chainId: wallet.config.chainId, registry };
  const sendWith = (action: string, request: WriteRequest) => send(wallet, action, request);
  // Reserved for this account before the envelope names it: nobody can take the id first.
  onProgress({ step: 'reserve' });
  const datasetId = await reserveDatasetId(sendWith, registry);
  onProgress({ step: 'key' });
  const target = await callApi<EncryptionTarget>('/api/keys/target', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ datasetId: datasetId.toString(), dataToEncryptHash: sha256Hex(dataKey) }),
  });
  const envelope = { ...target.envelope, ciphertext: await sealDataKey(target.publicKey, target.identity, dataKey) };
  dataKey.fill(0);
  onProgress({ step: 'sign' });
  const document = firstVersion({ datasetId, publisher, info: { title: input.title, description: input.description, tags: input.tags }, upload, termsId, envelope });
  const signed = await signDataset(document, signer(wallet), domain);
  const cid = await storeDocument(wallet, signed);
  onProgress({ step: 'list' });
  const { hash } = await sendWith(`publish ${input.title}`, { address: registry, abi: datasetRegistryAbi, functionName: 'publish', args: [metadataPointer(cid), termsId, datasetId] });
  if (input.providers.length > 0) {
    onProgress({ step: 'providers' });
    await setProvidersAllowed(sendWith, wallet.config.contracts.computeMarket, datasetId, input.providers);
  }
  return { datasetId, metadataCid: cid, contentCid: upload.contentCid, txHash: hash };
}
