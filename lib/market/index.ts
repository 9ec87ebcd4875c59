/**
 * The market SDK: publish a dataset (encrypt → IPFS → key envelope → signed metadata → listing), browse it,
 * buy a licence, download and verify the exact bytes, update, delist and collect revenue. The CLI, the demo
 * seeder and the tests all go through here.
 */
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Account, type Address, type Chain, type Hex, type LocalAccount, type PublicClient, type Transport, type WalletClient } from 'viem';
import { openKeyNetwork, parseEnvelope, type KeyEnvelope, type KeyNetwork, type KeySession } from '../access';
import { connectPublic, readDeployments, walletFor, type Deployments } from '../chain';
import type { Config } from '../config';
import { datasetRegistryAbi, marketplaceAbi, computeMarketAbi, mockStablecoinAbi, type LicenceTerms } from '../contracts';
import { createSha256, decryptStream, DEFAULT_CHUNK_SIZE, encryptStream, generateDataKey } from '../crypto';
import { DEFAULT_ACCESS_DURATION, presetTerms, presetText, type LicencePreset } from '../licence/presets';
import { AnchorMismatchError, cidFromPointer, metadataPointer, openMetadataStore, verifyAnchored, type ComputePolicy, type DatasetDocument, type MetadataStore } from '../metadata';
import { openStore, type ContentStore } from '../storage';
import { formatAmount } from '../units';
import { ComputeOnlyError, DatasetNotFoundError, InsufficientFundsError, IntegrityError, TransactionRejectedError } from './errors';
import { assertPublishable, binaryNotice, FileProfiler, fileNameFor, formatOf } from './files';
import { fileChunks, fileSize } from './read';
import { UploadJournal, type PendingPublish, type PendingUpload } from './journal';
import { sendWrite, type SentWrite, type WriteRequest } from './send';
import { firstVersion, nextVersion, type VersionChanges } from './document';
import { buyLicence, licenceExpiry, type AcceptedOffer } from './licence';
import { reserveDatasetId, setProvidersAllowed } from './reserve';

export * from './errors';
export { resolveAccount, type AccountChoice } from './account';
export { EmptyFileError } from './files';

/** Progress of long work, in bytes of plaintext. */
export interface Progress {
  phase: 'upload' | 'download';
  bytes: number;
  total: number;
}
export type OnProgress = (progress: Progress) => void;

/** What the owner says about a dataset. */
export interface DatasetInfo {
  title: string;
  description?: string;
  tags?: string[];
  /** Data rows shown publicly (CSV / JSON lines); 0 for none. Default 5. */
  previewRows?: number;
  /** How compute jobs may use the data (default: any algorithm, under the default output guard). */
  compute?: ComputePolicy;
  /**
   * Providers allowed to run compute jobs on it, whose nodes may then see its plaintext (allowed on-chain right
   * after publishing; none by default: no job can run until the owner allows a provider).
   */
  providers?: readonly bigint[];
}

export interface LicenceChoice {
  preset: LicencePreset;
  /** Days a download licence lasts; 0 = perpetual. Default 365. */
  accessDays?: number;
  revShareBps?: number;
}

/** Prices in the currency's base units (6 decimals for the stablecoin). */
export interface Prices {
  download: bigint;
  compute: bigint;
}

export interface PublishResult {
  datasetId: bigint;
  metadataCid: string;
  contentCid: string;
  termsId: bigint;
  txHash: Hex;
  /** True when the ciphertext of an earlier, unfinished publish of the same file was reused. */
  resumed: boolean;
  /** What the owner should know about the file: it was named as CSV or JSON lines but taken as binary. */
  notice?: string;
}

export interface DatasetVersion {
  version: number;
  metadataCid: string;
  blockNumber: bigint;
  txHash: Hex;
}

export interface DatasetSummary {
  id: bigint;
  owner: Address;
  listed: boolean;
  version: number;
  metadataCid: string;
  terms: LicenceTerms;
  termsId: bigint;
  document: DatasetDocument;
  publishedAt: Date;
  updatedAt: Date;
  /** The current owner signed this version (false after the data NFT changed hands, until they update it). */
  signedByOwner: boolean;
}

export interface DatasetDetails extends DatasetSummary {
  history: DatasetVersion[];
  /** The acting account's licence, if it holds one. */
  licence?: { expiresAt: Date | null; valid: boolean };
  canDecrypt: boolean;
}

export interface MarketOptions {
  /** The account actions are taken as; reads work without one. */
  account?: LocalAccount;
}

/** A connection to the market: chain, storage, key network and metadata, acting as one account. */
export class Market {
  private keysPromise?: Promise<KeyNetwork>;
  private readonly metadata: MetadataStore;
  private readonly wallet?: WalletClient<Transport, Chain, Account>;

  private constructor(
    readonly config: Config,
    readonly deployments: Deployments,
    readonly publicClient: PublicClient<Transport, Chain>,
    readonly store: ContentStore,
    readonly account?: LocalAccount,
  ) {
    this.metadata = openMetadataStore(config, { blocks: store, publicClient, deployments });
    if (account) this.wallet = walletFor(publicClient, account);
  }

  /** Connects to the configured chain (checked against the deployments) and storage. */
  static async open(config: Config, options: MarketOptions = {}): Promise<Market> {
    const deployments = readDeployments(config.deploymentsFile);
    const publicClient = await connectPublic(config.chain.rpcUrl, deployments.chainId);
    const store = await openStore(config.storage);
    return new Market(config, deployments, publicClient, store, options.account);
  }

  async close(): Promise<void> {
    await Promise.all([this.store.close(), this.keysPromise?.then((keys) => keys.close())]);
  }

  private keys(): Promise<KeyNetwork> {
    this.keysPromise ??= openKeyNetwork(this.config, this.deployments);
    return this.keysPromise;
  }

  private actor(): { account: LocalAccount; wallet: WalletClient<Transport, Chain, Account> } {
    if (!this.account || !this.wallet) throw new TransactionRejectedError('NoAccount', 'this action needs an account', 'pass --account N or --private-key-env VAR');
    return { account: this.account, wallet: this.wallet };
  }

  private get domain() {
    return { chainId: this.deployments.chainId, registry: this.deployments.contracts.datasetRegistry };
  }

  /**
   * Simulates, sends and waits for a contract write as the acting account; reverts come back as typed,
   * readable errors. Public for the SDK's other modules (compute jobs, the provider node).
   */
  async send(action: string, request: WriteRequest): Promise<SentWrite> {
    const { wallet } = this.actor();
    return sendWrite(this.publicClient, wallet, action, request);
  }

  // ---------------------------------------------------------------- publish

  /**
   * Publishes `file`: streams it through encryption into IPFS (pinned) in constant memory, wraps its data
   * key for the dataset's access conditions, signs and stores the metadata, then lists it on-chain. Nothing
   * is listed before the ciphertext is stored; a failed listing can be retried without uploading again.
   */
  async publish(file: string, info: DatasetInfo, licence: LicenceChoice, prices: Prices, onProgress?: OnProgress): Promise<PublishResult> {
    const { account } = this.actor();
    const size = fileSize(file);
    assertPublishable(file, size);
    const currency = this.deployments.stablecoin.address;
    // Check the terms before any upload, so a bad licence costs nothing.
    const termsFor = (uri: string) =>
      presetTerms(licence.preset, {
        currency,
        downloadPrice: prices.download,
        computePrice: prices.compute,
        accessDuration: licence.accessDays === undefined ? DEFAULT_ACCESS_DURATION : BigInt(licence.accessDays) * 86_400n,
        uri,
        revShareBps: licence.revShareBps,
      });
    termsFor('ipfs://check');
    await this.assertGas(`publish ${path.basename(file)}`);
    await this.assertProviders(info.providers ?? []);

    const journal = new UploadJournal(path.join(this.config.home, 'pending'), `${this.deployments.chainId}:${account.address}`);
    const pending = journal.find(file);
    const stored = pending.upload && (await this.isStored(pending.upload.contentCid)) ? pending.upload : undefined;
    // Each step is recorded once done, so that a failed attempt is retried without doing it again.
    let record: PendingPublish = { upload: stored, datasetId: pending.datasetId };
    const note = (done: PendingPublish) => journal.save(file, (record = { ...record, ...done }));
    const dataKey = stored?.dataKey ?? generateDataKey();
    if (stored) onProgress?.({ phase: 'upload', bytes: size, total: size });
    // What the listing needs besides the ciphertext is prepared while the file uploads: each waits on the network
    // (chain, key nodes) more than it works, and the upload keeps this machine busy meanwhile.
    const [upload, { termsId, datasetId, envelope }] = await both(
      stored ? Promise.resolve(stored) : this.upload(file, size, dataKey, info.previewRows ?? 5, onProgress).then((upload) => (note({ upload }), upload)),
      this.prepareListing(termsFor, licence, dataKey, pending.datasetId, (datasetId) => note({ datasetId })),
    );
    const document = firstVersion({ datasetId, publisher: account.address, info, upload, termsId, envelope });
    const { cid } = await this.metadata.put(document, account, this.domain);
    const { hash } = await this.send(`publish ${path.basename(file)}`, { address: this.deployments.contracts.datasetRegistry, abi: datasetRegistryAbi, functionName: 'publish', args: [metadataPointer(cid), termsId, datasetId] });
    journal.remove(file);
    await setProvidersAllowed((action, request) => this.send(action, request), this.deployments.contracts.computeMarket, datasetId, info.providers ?? []);
    const notice = upload.profile.binary ? binaryNotice(path.basename(file), upload.profile.binary) : undefined;
    return { datasetId, metadataCid: cid, contentCid: upload.contentCid, termsId, txHash: hash, resumed: stored !== undefined, ...(notice ? { notice } : {}) };
  }

  /**
   * The licence's terms (its legal text stored, the terms registered if new), a dataset id reserved for this
   * account before the envelope names it (nobody can take it first; `reserved`, by an earlier failed attempt, is
   * reused while it is still this account's) and the data key's envelope for that id.
   */
  private async prepareListing(
    termsFor: (uri: string) => LicenceTerms,
    licence: LicenceChoice,
    dataKey: Uint8Array,
    reserved: bigint | undefined,
    onReserved: (datasetId: bigint) => void,
  ): Promise<{ termsId: bigint; datasetId: bigint; envelope: KeyEnvelope }> {
    const { account } = this.actor();
    const legal = await this.store.add(new TextEncoder().encode(presetText(licence.preset, licence.revShareBps ?? 0)));
    const termsId = await this.ensureTerms(termsFor(`ipfs://${legal.cid}`));
    const registry = this.deployments.contracts.datasetRegistry;
    const reusable = reserved !== undefined && (await this.publicClient.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'reservedBy', args: [reserved] })) === account.address;
    const datasetId = reusable ? reserved : await reserveDatasetId((action, request) => this.send(action, request), registry);
    if (!reusable) onReserved(datasetId);
    const envelope = await (await this.keys()).encryptKey(dataKey, datasetId);
    return { termsId, datasetId, envelope };
  }

  /** Checks, before anything is uploaded or sent, that every provider to allow is registered. */
  private async assertProviders(providerIds: readonly bigint[]): Promise<void> {
    if (providerIds.length === 0) return;
    const count = await this.publicClient.readContract({ address: this.deployments.contracts.computeMarket, abi: computeMarketAbi, functionName: 'providerCount' });
    const unknown = providerIds.filter((id) => id < 1n || id > count);
    if (unknown.length > 0) throw new TransactionRejectedError('UnknownProvider', `there is no provider ${unknown.join(', ')}`, 'list the providers with `datagora providers`');
  }

  private async isStored(cid: string): Promise<boolean> {
    try {
      return (await this.store.stat(cid)).pinned;
    } catch {
      return false;
    }
  }

  /** Encrypts the file under `dataKey` into IPFS while hashing and profiling the plaintext. */
  private async upload(file: string, size: number, dataKey: Uint8Array, previewRows: number, onProgress?: OnProgress): Promise<PendingUpload> {
    const hash = createSha256();
    const profiler = new FileProfiler(formatOf(file), previewRows);
    let bytes = 0;
    async function* plaintext(): AsyncGenerator<Uint8Array> {
      for await (const chunk of fileChunks(file, size, DEFAULT_CHUNK_SIZE)) {
        hash.update(chunk);
        profiler.observe(chunk);
        bytes += chunk.length;
        onProgress?.({ phase: 'upload', bytes, total: size });
        yield chunk;
      }
    }
    // Chunks of the file's size: encrypted where they were read, no copy (encryptStream's `size`).
    const added = await this.store.add(encryptStream(dataKey, plaintext(), { chunkSize: DEFAULT_CHUNK_SIZE, size }));
    return {
      contentCid: added.cid,
      contentSize: added.size,
      chunkSize: DEFAULT_CHUNK_SIZE,
      plaintextSha256: Buffer.from(hash.digest()).toString('hex'),
      size: bytes,
      dataKey,
      profile: profiler.profile(),
    };
  }

  /** The id of identical terms, registering them first if they are new. */
  private async ensureTerms(terms: LicenceTerms): Promise<bigint> {
    const registry = this.deployments.contracts.datasetRegistry;
    const existing = await this.publicClient.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'termsIdOf', args: [terms] });
    if (existing !== 0n) return existing;
    // Registering is idempotent: a concurrent publisher may have registered the same terms first.
    await this.send('register the licence terms', { address: registry, abi: datasetRegistryAbi, functionName: 'registerTerms', args: [terms] });
    return this.publicClient.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'termsIdOf', args: [terms] });
  }

  private async assertGas(action: string): Promise<void> {
    const { account } = this.actor();
    const balance = await this.publicClient.getBalance({ address: account.address });
    if (balance === 0n) throw new InsufficientFundsError(`cannot ${action}: ${account.address} has no ether for gas`, 'fund the account with the chain’s native currency');
  }

  // ---------------------------------------------------------------- read

  /** Every dataset on the registry, newest first, with its verified metadata. */
  async listDatasets(): Promise<DatasetSummary[]> {
    const count = await this.publicClient.readContract({ address: this.deployments.contracts.datasetRegistry, abi: datasetRegistryAbi, functionName: 'datasetCount' });
    const ids = Array.from({ length: Number(count) }, (_, i) => count - BigInt(i));
    const results: DatasetSummary[] = [];
    // A few at a time: each reads the chain and one IPFS block. Ids reserved but never published are gaps.
    for (let i = 0; i < ids.length; i += 8) {
      const batch = ids.slice(i, i + 8);
      const published = await Promise.all(batch.map((id) => this.isPublished(id)));
      results.push(...(await Promise.all(batch.filter((_, j) => published[j]).map((id) => this.readSummary(id)))));
    }
    return results;
  }

  /** One dataset's summary; DatasetNotFoundError for an id the registry never gave out. */
  private async summary(id: bigint): Promise<DatasetSummary> {
    const count = await this.publicClient.readContract({ address: this.deployments.contracts.datasetRegistry, abi: datasetRegistryAbi, functionName: 'datasetCount' });
    if (id < 1n || id > count || !(await this.isPublished(id))) throw new DatasetNotFoundError(id);
    return this.readSummary(id);
  }

  private isPublished(id: bigint): Promise<boolean> {
    return this.publicClient.readContract({ address: this.deployments.contracts.datasetRegistry, abi: datasetRegistryAbi, functionName: 'isPublished', args: [id] });
  }

  /** The summary of a dataset known to exist (listDatasets has already read the count). */
  private async readSummary(id: bigint): Promise<DatasetSummary> {
    const registry = this.deployments.contracts.datasetRegistry;
    const [dataset, owner] = await Promise.all([
      this.publicClient.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'getDataset', args: [id] }),
      this.publicClient.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'datasetOwner', args: [id] }),
    ]);
    const terms = await this.publicClient.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'getTerms', args: [dataset.termsId] });
    const pointer = { codec: dataset.metadataCodec, digest: dataset.metadataDigest };
    const metadataCid = cidFromPointer(pointer);
    const signed = await this.metadata.get(metadataCid, this.domain, id);
    // The document must be the one the registry anchors, for this dataset and version. Its signer is the
    // owner who anchored it; after the data NFT changes hands that is no longer the current owner.
    let signedByOwner = true;
    try {
      verifyAnchored({ datasetId: id, pointer, version: dataset.version, owner }, { cid: metadataCid, signed });
    } catch (error) {
      if (!(error instanceof AnchorMismatchError && error.reason === 'publisher')) throw error;
      signedByOwner = false;
    }
    return {
      signedByOwner,
      id,
      owner,
      listed: dataset.listed,
      version: dataset.version,
      metadataCid,
      terms,
      termsId: dataset.termsId,
      document: signed.document,
      publishedAt: new Date(dataset.publishedAt * 1000),
      updatedAt: new Date(dataset.updatedAt * 1000),
    };
  }

  /** One dataset with its version history and the acting account's access. */
  async getDataset(id: bigint): Promise<DatasetDetails> {
    const summary = await this.summary(id);
    const registry = this.deployments.contracts.datasetRegistry;
    const fromBlock = BigInt(this.deployments.startBlock);
    const [published, updated] = await Promise.all([
      this.publicClient.getContractEvents({ address: registry, abi: datasetRegistryAbi, eventName: 'DatasetPublished', args: { datasetId: id }, fromBlock }),
      this.publicClient.getContractEvents({ address: registry, abi: datasetRegistryAbi, eventName: 'MetadataUpdated', args: { datasetId: id }, fromBlock }),
    ]);
    const history: DatasetVersion[] = [
      ...published.map((e) => ({ version: 1, metadataCid: cidFromPointer(e.args.metadata!), blockNumber: e.blockNumber, txHash: e.transactionHash })),
      ...updated.map((e) => ({ version: e.args.version!, metadataCid: cidFromPointer(e.args.metadata!), blockNumber: e.blockNumber, txHash: e.transactionHash })),
    ].sort((a, b) => a.version - b.version);
    const details: DatasetDetails = { ...summary, history, canDecrypt: false };
    if (this.account) {
      const marketplace = this.deployments.contracts.marketplace;
      const [licence, valid, canDecrypt] = await Promise.all([
        this.publicClient.readContract({ address: marketplace, abi: marketplaceAbi, functionName: 'licenceOf', args: [id, this.account.address] }),
        this.publicClient.readContract({ address: marketplace, abi: marketplaceAbi, functionName: 'hasLicence', args: [id, this.account.address] }),
        this.publicClient.readContract({ address: marketplace, abi: marketplaceAbi, functionName: 'canDecrypt', args: [id, this.account.address] }),
      ]);
      if (licence.termsId !== 0n) details.licence = { expiresAt: licenceExpiry(licence.expiresAt), valid };
      details.canDecrypt = canDecrypt;
    }
    return details;
  }

  // ---------------------------------------------------------------- buy and download

  /**
   * Buys a download licence under the terms `accepted.termsId` (default: the terms in force now), failing if the
   * owner switched them or the price is above `accepted.maxPrice`.
   */
  async buyLicence(id: bigint, accepted: AcceptedOffer = {}): Promise<{ txHash: Hex; price: bigint; expiresAt: Date | null; termsId: bigint }> {
    const { account } = this.actor();
    return buyLicence(
      {
        publicClient: this.publicClient,
        address: account.address,
        contracts: this.deployments.contracts,
        formatAmount: (amount) => this.formatAmount(amount),
        send: (action, request) => this.send(action, request),
        beforeWrites: (action) => this.assertGas(action),
      },
      id,
      accepted,
    );
  }

  /** The document of a dataset this account may download, and its key envelope; ComputeOnlyError otherwise. */
  private async downloadable(id: bigint, account: LocalAccount): Promise<{ document: DatasetDocument; envelope: KeyEnvelope }> {
    const dataset = await this.summary(id);
    if (dataset.terms.computeOnly && dataset.owner !== account.address) throw new ComputeOnlyError(id);
    const keys = await this.keys();
    return { document: dataset.document, envelope: parseEnvelope(dataset.document.key, keys.kind) };
  }

  /**
   * Opens one key session for the data keys of datasets `ids`: a single wallet signature, then
   * `download(id, …, session)` for each of them.
   */
  async keySession(ids: bigint[]): Promise<KeySession> {
    const { account } = this.actor();
    const envelopes = await Promise.all(ids.map(async (id) => (await this.downloadable(id, account)).envelope));
    return (await this.keys()).openSession(account, envelopes);
  }

  /**
   * Downloads and decrypts a dataset to `destination` (a file, or a directory to put it in), streaming in
   * constant memory and checking the SHA-256 the owner signed. The file appears only once verified. The key
   * comes within `session` (see {@link keySession}), or a session for this dataset alone.
   */
  async download(id: bigint, destination: string, onProgress?: OnProgress, session?: KeySession): Promise<{ path: string; bytes: number; sha256: string }> {
    const { account } = this.actor();
    const { document, envelope } = await this.downloadable(id, account);
    const dataKey = await (await this.keys()).decryptKey(envelope, session ?? account);

    const target = existsSync(destination) && statSync(destination).isDirectory() ? path.join(destination, fileNameFor(id, document)) : destination;
    await mkdir(path.dirname(path.resolve(target)), { recursive: true });
    const partial = `${target}.partial`;
    const hash = createSha256();
    let bytes = 0;
    const total = document.size;
    async function* verified(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
      for await (const chunk of source) {
        hash.update(chunk);
        bytes += chunk.length;
        onProgress?.({ phase: 'download', bytes, total });
        yield chunk;
      }
    }
    try {
      await pipeline(verified(decryptStream(dataKey, this.store.cat(document.content.cid))), createWriteStream(partial));
      const sha256 = Buffer.from(hash.digest()).toString('hex');
      if (sha256 !== document.plaintextSha256 || bytes !== document.size) {
        throw new IntegrityError(`dataset ${id} decrypted to ${bytes} bytes with SHA-256 ${sha256}, but its owner signed ${document.size} bytes with ${document.plaintextSha256}`, 'the stored content does not match its metadata; report it to the owner');
      }
      renameSync(partial, target);
      return { path: target, bytes, sha256 };
    } catch (error) {
      rmSync(partial, { force: true });
      throw error;
    }
  }

  // ---------------------------------------------------------------- owner actions

  /** Publishes a new metadata version (same content and key) with the given changes. */
  async updateMetadata(id: bigint, changes: VersionChanges): Promise<{ version: number; metadataCid: string; txHash: Hex }> {
    const { account } = this.actor();
    const current = await this.summary(id);
    if (current.owner !== account.address) throw new TransactionRejectedError('NotDatasetOwner', `cannot update dataset ${id}: ${account.address} does not own it`, 'act as the dataset owner (--account / --private-key-env)');
    const document = nextVersion(current, changes, account.address);
    const { cid } = await this.metadata.put(document, account, this.domain);
    const { hash } = await this.send(`update dataset ${id}`, { address: this.deployments.contracts.datasetRegistry, abi: datasetRegistryAbi, functionName: 'updateMetadata', args: [id, metadataPointer(cid)] });
    return { version: document.version, metadataCid: cid, txHash: hash };
  }

  /** Changes the download and compute prices. */
  async setPrices(id: bigint, prices: Prices): Promise<Hex> {
    const { hash } = await this.send(`change the prices of dataset ${id}`, { address: this.deployments.contracts.datasetRegistry, abi: datasetRegistryAbi, functionName: 'setPrices', args: [id, prices.download, prices.compute] });
    return hash;
  }

  /** Stops new sales; licences already sold stay valid. */
  async delist(id: bigint): Promise<Hex> {
    const { hash } = await this.send(`delist dataset ${id}`, { address: this.deployments.contracts.datasetRegistry, abi: datasetRegistryAbi, functionName: 'delist', args: [id] });
    return hash;
  }

  /** Resumes sales. */
  async relist(id: bigint): Promise<Hex> {
    const { hash } = await this.send(`relist dataset ${id}`, { address: this.deployments.contracts.datasetRegistry, abi: datasetRegistryAbi, functionName: 'relist', args: [id] });
    return hash;
  }

  /** Withdraws everything credited to the account in the market stablecoin (sales and compute). */
  async withdraw(): Promise<{ amount: bigint; txHashes: Hex[] }> {
    const { account } = this.actor();
    const token = this.deployments.stablecoin.address;
    const txHashes: Hex[] = [];
    let amount = 0n;
    for (const [name, address, abi] of [
      ['marketplace', this.deployments.contracts.marketplace, marketplaceAbi],
      ['compute market', this.deployments.contracts.computeMarket, computeMarketAbi],
    ] as const) {
      const owed = await this.publicClient.readContract({ address, abi, functionName: 'withdrawable', args: [token, account.address] });
      if (owed === 0n) continue;
      const { hash } = await this.send(`withdraw from the ${name}`, { address, abi, functionName: 'withdraw', args: [token] });
      txHashes.push(hash);
      amount += owed;
    }
    return { amount, txHashes };
  }

  /** The account's stablecoin and ether, and what it can withdraw. */
  async balance(address: Address = this.actor().account.address): Promise<{ address: Address; stablecoin: bigint; ether: bigint; withdrawable: bigint }> {
    const token = this.deployments.stablecoin.address;
    const [stablecoin, ether, fromSales, fromCompute] = await Promise.all([
      this.publicClient.readContract({ address: token, abi: mockStablecoinAbi, functionName: 'balanceOf', args: [address] }),
      this.publicClient.getBalance({ address }),
      this.publicClient.readContract({ address: this.deployments.contracts.marketplace, abi: marketplaceAbi, functionName: 'withdrawable', args: [token, address] }),
      this.publicClient.readContract({ address: this.deployments.contracts.computeMarket, abi: computeMarketAbi, functionName: 'withdrawable', args: [token, address] }),
    ]);
    return { address, stablecoin, ether, withdrawable: fromSales + fromCompute };
  }

  /** An amount of the market stablecoin for people ("1,012.5 dUSD"). */
  formatAmount(amount: bigint): string {
    return formatAmount(amount, this.deployments.stablecoin);
  }
}

/** Both results once both have settled (the first's error first): a failed step never leaves the other running. */
async function both<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}
