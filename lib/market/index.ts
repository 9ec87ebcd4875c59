/**
 * The market SDK for Node: a connection to the chain, storage, key network and metadata store, acting as one
 * local account, and the market's flows (./actions) over it — publish, browse, buy, download and verify, update,
 * delist and collect revenue. `Market` is the Node adapter of the flows' port; the browser's is lib/client. The
 * CLI, the demo seeder, the provider node and the tests all go through here.
 */
import path from 'node:path';
import type { Account, Address, Chain, Hex, LocalAccount, PublicClient, Transport, WalletClient } from 'viem';
import { openKeyNetwork, parseEnvelope, type KeyNetwork, type KeySession } from '../access';
import { connectPublic, readDeployments, walletFor, type Deployments } from '../chain';
import type { Config } from '../config';
import type { LicencePreset } from '../licence/presets';
import { openMetadataStore, type MetadataStore } from '../metadata';
import { openStore, type ContentStore } from '../storage';
import { formatAmount } from '../units';
import { buyLicence } from './actions/buy';
import { download } from './actions/download';
import { readEarnings, setListed, setPrices, withdrawEarnings } from './actions/owner';
import { publish, type PublishInput, type PublishResult } from './actions/publish';
import { updateMetadata } from './actions/update';
import { datasetDetails, datasetSummary, listDatasets, type DatasetDetails, type DatasetSummary } from './datasets';
import type { VersionChanges } from './document';
import { InsufficientFundsError, TransactionRejectedError } from './errors';
import { UploadJournal } from './journal';
import type { AcceptedOffer } from './licence';
import type { DerivationPort } from '../lineage/derivation';
import type { DownloadPort, PublishPort } from './port';
import { fileSource } from './read';
import { fileSink } from './save';
import { sendWrite, type SentWrite, type WriteRequest } from './send';
import { licenceTerms } from './terms';
import { downloadTicket } from './ticket';

export * from './errors';
export { resolveAccount, type AccountChoice } from './account';
export { EmptyFileError } from './files';
export type { DatasetDetails, DatasetSummary, DatasetVersion } from './datasets';
export type { PublishResult } from './actions/publish';

/** Progress of long work, in bytes of plaintext. */
export interface Progress {
  phase: 'upload' | 'download';
  bytes: number;
  total: number;
}
export type OnProgress = (progress: Progress) => void;

/** What the owner says about a dataset. */
export type DatasetInfo = Omit<PublishInput, 'terms'>;

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

export interface MarketOptions {
  /** The account actions are taken as; reads work without one. */
  account?: LocalAccount;
}

/** A connection to the market: chain, storage, key network and metadata, acting as one account. */
export class Market {
  private keysPromise?: Promise<KeyNetwork>;
  readonly metadata: MetadataStore;
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

  /**
   * The flows' port for the acting account: writes signed by its local key, ciphertext and documents in this
   * connection's stores, keys sealed and opened by the key network directly, and the compute jobs it requested
   * from this machine opened with the keys kept here (to prove a derivative's content).
   */
  port(): PublishPort & DownloadPort & DerivationPort {
    const { account, wallet } = this.actor();
    const { publicClient, deployments, store } = this;
    const domain = { chainId: deployments.chainId, registry: deployments.contracts.datasetRegistry };
    return {
      market: { chainId: deployments.chainId, contracts: deployments.contracts, stablecoin: deployments.stablecoin },
      publicClient,
      account: account.address,
      send: (action, request) => sendWrite(publicClient, wallet, action, request),
      beforeWrites: async (action) => {
        const balance = await publicClient.getBalance({ address: account.address });
        if (balance === 0n) throw new InsufficientFundsError(`cannot ${action}: ${account.address} has no ether for gas`, 'fund the account with the chain’s native currency');
      },
      licenceTerms: (request) => licenceTerms(request, deployments, store),
      upload: (ciphertext) => store.add(ciphertext),
      sealKey: async (dataKey, datasetId) => (await this.keys()).encryptKey(dataKey, datasetId),
      storeDocument: async (document) => (await this.metadata.put(document, account, domain)).cid,
      anchored: (id) => datasetSummary(this, id),
      ticket: (id) => downloadTicket(this, id, account.address),
      dataKey: async (ticket, session) => {
        const keys = await this.keys();
        return keys.decryptKey(parseEnvelope(ticket.envelope, keys.kind), session ?? account);
      },
      ciphertext: (cid) => store.cat(cid),
      computeJob: async (jobId) => (await import('../lineage/node-jobs')).requestedJobOutputs(this, jobId),
    };
  }

  /**
   * Simulates, sends and waits for a contract write as the acting account; reverts come back as typed,
   * readable errors. Public for the SDK's other modules (compute jobs, the provider node).
   */
  async send(action: string, request: WriteRequest): Promise<SentWrite> {
    return this.port().send(action, request);
  }

  /**
   * Publishes `file`: streams it through encryption into IPFS (pinned) in constant memory, wraps its data
   * key for the dataset's access conditions, signs and stores the metadata, then lists it on-chain. Nothing
   * is listed before the ciphertext is stored; a failed listing can be retried without uploading again (the
   * steps done are recorded under DATAGORA_HOME until the dataset is listed). With `info.derivation` it is a
   * model or a derived dataset, its parents checked first (lib/lineage/derivation.ts).
   */
  async publish(file: string, info: DatasetInfo, licence: LicenceChoice, prices: Prices, onProgress?: OnProgress): Promise<PublishResult> {
    const port = this.port();
    const source = fileSource(file);
    const journal = new UploadJournal(path.join(this.config.home, 'pending'), `${this.deployments.chainId}:${port.account}`);
    const pending = journal.find(file);
    const upload = pending.upload && (await this.isStored(pending.upload.contentCid)) ? pending.upload : undefined;
    let record = { upload, datasetId: pending.datasetId };
    const terms = { ...licence, downloadPrice: prices.download.toString(), computePrice: prices.compute.toString() };
    return publish(
      port,
      source,
      { ...info, terms },
      (progress) => {
        if (progress.step === 'encrypt') onProgress?.({ phase: 'upload', bytes: progress.bytes ?? 0, total: source.size });
      },
      {
        ...record,
        record: (done) => journal.save(file, (record = { ...record, ...done })),
        listed: () => journal.remove(file),
      },
    );
  }

  private async isStored(cid: string): Promise<boolean> {
    try {
      return (await this.store.stat(cid)).pinned;
    } catch {
      return false;
    }
  }

  /** Every dataset on the registry, newest first, with its verified metadata. */
  listDatasets(): Promise<DatasetSummary[]> {
    return listDatasets(this);
  }

  /** One dataset with its version history and the acting account's access. */
  getDataset(id: bigint): Promise<DatasetDetails> {
    return datasetDetails(this, id, this.account?.address);
  }

  /**
   * Buys a download licence under the terms `accepted.termsId` (default: the terms in force now), failing if the
   * owner switched them or the price is above `accepted.maxPrice`.
   */
  buyLicence(id: bigint, accepted: AcceptedOffer = {}): Promise<{ txHash: Hex; price: bigint; expiresAt: Date | null; termsId: bigint }> {
    return buyLicence(this.port(), id, accepted);
  }

  /**
   * Opens one key session for the data keys of datasets `ids`: a single wallet signature, then
   * `download(id, …, session)` for each of them.
   */
  async keySession(ids: bigint[]): Promise<KeySession> {
    const port = this.port();
    const keys = await this.keys();
    const envelopes = await Promise.all(ids.map(async (id) => parseEnvelope((await port.ticket(id)).envelope, keys.kind)));
    return keys.openSession(this.actor().account, envelopes);
  }

  /**
   * Downloads and decrypts a dataset to `destination` (a file, or a directory to put it in), streaming in
   * constant memory and checking the SHA-256 the owner signed. The file appears only once verified. The key
   * comes within `session` (see {@link keySession}), or a session for this dataset alone.
   */
  async download(id: bigint, destination: string, onProgress?: OnProgress, session?: KeySession): Promise<{ path: string; bytes: number; sha256: string }> {
    const progress = onProgress && ((p: { step: string; bytes?: number; total?: number }) => p.step === 'decrypt' && onProgress({ phase: 'download', bytes: p.bytes ?? 0, total: p.total ?? 0 }));
    const { kept, bytes, sha256 } = await download(this.port(), id, fileSink(destination), progress, session);
    return { path: kept, bytes, sha256 };
  }

  /** Publishes a new metadata version (same content and key) with the given changes. */
  updateMetadata(id: bigint, changes: VersionChanges): Promise<{ version: number; metadataCid: string; txHash: Hex }> {
    return updateMetadata(this.port(), id, changes);
  }

  /** Changes the download and compute prices. */
  async setPrices(id: bigint, prices: Prices): Promise<Hex> {
    return (await setPrices(this.port(), id, prices)).hash;
  }

  /** Stops new sales; licences already sold stay valid. */
  async delist(id: bigint): Promise<Hex> {
    return (await setListed(this.port(), id, false)).hash;
  }

  /** Resumes sales. */
  async relist(id: bigint): Promise<Hex> {
    return (await setListed(this.port(), id, true)).hash;
  }

  /** Withdraws everything credited to the account in the market stablecoin (sales and compute). */
  withdraw(): Promise<{ amount: bigint; txHashes: Hex[] }> {
    return withdrawEarnings(this.port());
  }

  /** The account's stablecoin and ether, and what it can withdraw. */
  async balance(address: Address = this.actor().account.address): Promise<{ address: Address; stablecoin: bigint; ether: bigint; withdrawable: bigint }> {
    const [earnings, ether] = await Promise.all([readEarnings({ publicClient: this.publicClient, market: this.deployments }, address), this.publicClient.getBalance({ address })]);
    return { address, stablecoin: earnings.wallet, ether, withdrawable: earnings.sales + earnings.compute };
  }

  /** An amount of the market stablecoin for people ("1,012.5 dUSD"). */
  formatAmount(amount: bigint): string {
    return formatAmount(amount, this.deployments.stablecoin);
  }
}
