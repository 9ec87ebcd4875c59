/**
 * Publishing a dataset, for the SDK and the browser alike: the licence checked (and its legal text stored)
 * before anything is uploaded, the file streamed through encryption into storage while the terms are registered,
 * a dataset id reserved for the account (nobody can take it first) and the data key sealed for that id; then the
 * signed document stored, the listing sent, and the chosen compute providers allowed. Nothing is listed before
 * the ciphertext is stored. A derivative (a model trained on datasets, a dataset built from others) names its
 * parents: they are checked before the upload as the registry checks them (lib/lineage/derivation.ts), and it is
 * listed with publishAsset, its content's SHA-256 proven against the jobs it names.
 */
import { parseEventLogs, type Hex } from 'viem';
import { checkDerivation, derivesFromJob, type DerivationInput, type DerivationPort } from '../../lineage/derivation';
import { contractsOf, datasetRegistryAbi, type LicenceTerms } from '../../contracts';
import { ciphertextSize, createSha256, DEFAULT_CHUNK_SIZE, encryptStream, generateDataKey, toHex } from '../../crypto';
import { metadataPointer } from '../../metadata/cid';
import type { ComputePolicy } from '../../metadata/schema';
import { firstVersion, type SealedUpload } from '../document';
import { FileError, TransactionRejectedError } from '../errors';
import { assertPublishable, binaryNotice, FileProfiler, formatOf } from '../files';
import type { PublishPort } from '../port';
import type { TermsRequest } from '../terms';
import { defaultComputePolicy, limitsAnything, policyOf, releaseBudgetFor, type ReleaseLimits } from '../../compute/policy';
import { setProvidersAllowed, setReleaseBudget } from './owner';

/** The plaintext to publish: its name (which says its format), exact size and bytes. */
export interface PlaintextSource {
  name: string;
  size: number;
  chunks(): AsyncIterable<Uint8Array>;
}

/** What the owner says about a dataset, and sells it under. */
export interface PublishInput {
  title: string;
  description?: string;
  tags?: string[];
  /** Data rows shown publicly (CSV / JSON lines); 0 for none. Default 5. */
  previewRows?: number;
  /**
   * How compute jobs may use the data. Default: analysis templates only for compute-only data; else any algorithm,
   * under the default output guard.
   */
  compute?: ComputePolicy;
  /** What compute jobs may release (ε, bytes); absent limits are none, but `any` caps each job at 64 KiB. */
  release?: ReleaseLimits;
  terms: TermsRequest;
  /**
   * Providers allowed to run compute jobs on it, whose nodes may then see its plaintext (none by default: no job
   * can run until the owner allows a provider).
   */
  providers?: readonly bigint[];
  /** What it derives from, for a model or a derived dataset; absent, a dataset of no lineage is published. */
  derivation?: DerivationInput;
}

export type PublishStep = 'licence' | 'encrypt' | 'terms' | 'reserve' | 'key' | 'sign' | 'list' | 'providers' | 'budget';
export interface PublishProgress {
  step: PublishStep;
  /** Plaintext bytes encrypted and stored so far (step `encrypt`). */
  bytes?: number;
  total?: number;
}

/** What an earlier, unfinished attempt did, and where this one records its own steps as each is done. */
export interface PublishResume {
  /** Ciphertext it stored (and still pinned), with its data key. */
  upload?: SealedUpload;
  /** The id it reserved: reused while it is still the account's. */
  datasetId?: bigint;
  record(done: { upload?: SealedUpload; datasetId?: bigint }): void;
  /** Called once the dataset is listed: nothing is left to resume. */
  listed(): void;
}

export interface PublishResult {
  datasetId: bigint;
  metadataCid: string;
  contentCid: string;
  termsId: bigint;
  txHash: Hex;
  /** True when the ciphertext of an earlier, unfinished attempt was reused. */
  resumed: boolean;
  /** What the owner should know about the file: it was named as CSV or JSON lines but taken as binary. */
  notice?: string;
}

export async function publish(port: PublishPort & DerivationPort, source: PlaintextSource, input: PublishInput, onProgress?: (progress: PublishProgress) => void, resume?: PublishResume): Promise<PublishResult> {
  const { registry } = contractsOf(port.market);
  assertPublishable(source.name, source.size);
  // A bad licence, an unknown provider, a parent that forbids this derivative or an account without gas costs
  // nothing: all are checked before any upload. Content proven through a job is hashed before anything else.
  onProgress?.({ step: 'licence' });
  const { derivation: lineage } = input;
  const contentSha256 = lineage && derivesFromJob(lineage) ? await plaintextSha256(source) : undefined;
  const terms = await port.licenceTerms(input.terms);
  const providers = input.providers ?? [];
  await assertProviders(port, providers);
  const derivation = lineage && (await checkDerivation(port, terms, lineage, contentSha256));
  await port.beforeWrites?.(`publish ${source.name}`);

  const stored = resume?.upload;
  const dataKey = stored?.dataKey ?? generateDataKey();
  const total = source.size;
  onProgress?.({ step: 'encrypt', bytes: stored ? total : 0, total });
  try {
    // The listing's other steps wait on the network (chain, key nodes) more than they work; they run while
    // the upload keeps this machine busy.
    const [upload, { termsId, datasetId, envelope }] = await both(
      stored ? Promise.resolve(stored) : encryptAndUpload(port, source, dataKey, input.previewRows ?? 5, onProgress).then((upload) => (resume?.record({ upload }), upload)),
      prepareListing(port, terms, dataKey, resume, onProgress),
    );
    const derived = derivation && { ...derivation, contentHash: contentHashOf(source.name, upload, contentSha256) };
    onProgress?.({ step: 'sign' });
    const compute = input.compute ?? defaultComputePolicy(terms.computeOnly);
    const info = { title: input.title, description: input.description, tags: input.tags, compute };
    const document = firstVersion({ datasetId, publisher: port.account, info, upload, termsId, envelope });
    const cid = await port.storeDocument(document);
    onProgress?.({ step: 'list' });
    const pointer = metadataPointer(cid);
    const { hash } = derived
      ? await port.send(`publish ${source.name}`, { ...registry, functionName: 'publishAsset', args: [pointer, termsId, datasetId, derived] })
      : await port.send(`publish ${source.name}`, { ...registry, functionName: 'publish', args: [pointer, termsId, datasetId] });
    resume?.listed();
    if (providers.length > 0) {
      onProgress?.({ step: 'providers' });
      await setProvidersAllowed(port, datasetId, providers);
    }
    const budget = releaseBudgetFor(compute ? policyOf({ compute }) : 'any', input.release ?? {});
    if (limitsAnything(budget)) {
      onProgress?.({ step: 'budget' });
      await setReleaseBudget(port, datasetId, budget);
    }
    const notice = upload.profile.binary ? binaryNotice(source.name, upload.profile.binary) : undefined;
    return { datasetId, metadataCid: cid, contentCid: upload.contentCid, termsId, txHash: hash, resumed: stored !== undefined, ...(notice ? { notice } : {}) };
  } finally {
    // A resumable attempt recorded the key already; this copy is not needed past the upload and the envelope.
    dataKey.fill(0);
  }
}

/** Encrypts the source under `dataKey` into storage while hashing and profiling the plaintext. */
async function encryptAndUpload(port: PublishPort, source: PlaintextSource, dataKey: Uint8Array, previewRows: number, onProgress?: (progress: PublishProgress) => void): Promise<SealedUpload> {
  const hash = createSha256();
  const profiler = new FileProfiler(formatOf(source.name), previewRows);
  const total = source.size;
  let bytes = 0;
  async function* plaintext(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source.chunks()) {
      hash.update(chunk);
      profiler.observe(chunk);
      bytes += chunk.length;
      onProgress?.({ step: 'encrypt', bytes, total });
      yield chunk;
    }
  }
  // The exact size lets each chunk be encrypted where it was read, without a copy (encryptStream's `size`).
  const added = await port.upload(encryptStream(dataKey, plaintext(), { chunkSize: DEFAULT_CHUNK_SIZE, size: total }), ciphertextSize(total, DEFAULT_CHUNK_SIZE));
  return {
    contentCid: added.cid,
    contentSize: added.size,
    chunkSize: DEFAULT_CHUNK_SIZE,
    plaintextSha256: toHex(hash.digest()),
    size: bytes,
    dataKey,
    profile: profiler.profile(),
  };
}

/** The SHA-256 of the plaintext (0x + hex, as the registry takes it), read once before it is encrypted. */
async function plaintextSha256(source: PlaintextSource): Promise<Hex> {
  const hash = createSha256();
  for await (const chunk of source.chunks()) hash.update(chunk);
  return `0x${toHex(hash.digest())}`;
}

/** The content hash a derivative is registered with: the upload's, which must be the one proven before it. */
function contentHashOf(name: string, upload: SealedUpload, proven: Hex | undefined): Hex {
  const uploaded: Hex = `0x${upload.plaintextSha256}`;
  if (proven !== undefined && proven !== uploaded) throw new FileError(`${name} changed while it was published: its SHA-256 was ${proven}, the upload's is ${uploaded}`, 'publish it again once nothing writes to it');
  return uploaded;
}

/**
 * The terms registered if new, a dataset id reserved for the account before the envelope names it (an earlier
 * attempt's reservation is reused while it is still the account's) and the data key's envelope for that id.
 */
async function prepareListing(port: PublishPort, terms: LicenceTerms, dataKey: Uint8Array, resume: PublishResume | undefined, onProgress?: (progress: PublishProgress) => void) {
  onProgress?.({ step: 'terms' });
  const termsId = await ensureTerms(port, terms);
  const { registry } = contractsOf(port.market);
  const reserved = resume?.datasetId;
  const reusable = reserved !== undefined && (await port.publicClient.readContract({ ...registry, functionName: 'reservedBy', args: [reserved] })) === port.account;
  onProgress?.({ step: 'reserve' });
  const datasetId = reusable ? reserved : await reserveDatasetId(port);
  if (!reusable) resume?.record({ datasetId });
  onProgress?.({ step: 'key' });
  const envelope = await port.sealKey(dataKey, datasetId);
  return { termsId, datasetId, envelope };
}

/** The id of identical terms, registering them first if they are new. */
async function ensureTerms(port: PublishPort, terms: LicenceTerms): Promise<bigint> {
  const { registry } = contractsOf(port.market);
  const read = () => port.publicClient.readContract({ ...registry, functionName: 'termsIdOf', args: [terms] });
  const existing = await read();
  if (existing !== 0n) return existing;
  // Registering is idempotent: a concurrent publisher may have registered the same terms first.
  await port.send('register the licence terms', { ...registry, functionName: 'registerTerms', args: [terms] });
  return read();
}

/** Reserves the next dataset id for the account: only it can publish under that id. */
async function reserveDatasetId(port: PublishPort): Promise<bigint> {
  const { hash, logs } = await port.send('reserve a dataset id', { ...contractsOf(port.market).registry, functionName: 'reserveDatasetId' });
  const [event] = parseEventLogs({ abi: datasetRegistryAbi, eventName: 'DatasetIdReserved', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
  if (!event) throw new TransactionRejectedError('NoReservation', `the reservation ${hash} emitted no DatasetIdReserved event`, 'report it');
  return event.args.datasetId;
}

/** Checks, before anything is uploaded or sent, that every provider to allow is registered. */
async function assertProviders(port: PublishPort, providerIds: readonly bigint[]): Promise<void> {
  if (providerIds.length === 0) return;
  const count = await port.publicClient.readContract({ ...contractsOf(port.market).computeMarket, functionName: 'providerCount' });
  const unknown = providerIds.filter((id) => id < 1n || id > count);
  if (unknown.length > 0) throw new TransactionRejectedError('UnknownProvider', `there is no provider ${unknown.join(', ')}`, 'list the providers with `datagora providers`');
}

/** Both results once both have settled (the first's error first): a failed step never leaves the other running. */
async function both<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}
