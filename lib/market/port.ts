/**
 * The port the market's flows act through, in viem's client-plus-actions model: each flow in ./actions is a
 * function taking a port first, written once. Node (`Market`, the CLI) and the browser (`lib/client`, a wallet
 * and the web app's routes) are the two adapters: they differ in how bytes are stored, keys sealed and
 * opened, and documents signed, never in the steps of a flow.
 */
import type { Address, Chain, PublicClient, Transport } from 'viem';
import type { KeyEnvelope } from '../access/envelope';
import type { KeySession } from '../access/session';
import type { LicenceTerms } from '../contracts';
import type { DatasetDocument } from '../metadata/schema';
import type { SentWrite, WriteRequest } from './send';
import type { TermsRequest } from './terms';
import type { DownloadTicket } from './ticket';

/** The market's public coordinates: its chain, contracts and currency. */
export interface MarketAddresses {
  chainId: number;
  contracts: { datasetRegistry: Address; marketplace: Address; computeMarket: Address };
  stablecoin: { address: Address; symbol: string; decimals: number };
}

/** The chain as one account acts on it. */
export interface MarketPort {
  readonly market: MarketAddresses;
  readonly publicClient: PublicClient<Transport, Chain>;
  /** The acting account. */
  readonly account: Address;
  /** Simulates, sends and waits for a write as the account; a revert comes back as a typed, readable error. */
  send(action: string, request: WriteRequest): Promise<SentWrite>;
  /** Checked once before a flow's first write (the SDK checks the account has ether for gas; a wallet says so itself). */
  beforeWrites?(action: string): Promise<void>;
}

/** A dataset's current document as the registry anchors it, verified against the chain. */
export interface AnchoredDocument {
  owner: Address;
  version: number;
  metadataCid: string;
  document: DatasetDocument;
}

/** What publishing and updating need besides the chain. */
export interface PublishPort extends MarketPort {
  /** The complete terms of a licence choice, its legal text stored; LicenceCombinationError for a bad choice. */
  licenceTerms(request: TermsRequest): Promise<LicenceTerms>;
  /** Stores (and pins) `size` bytes of ciphertext; answers its CID and stored size. */
  upload(ciphertext: AsyncIterable<Uint8Array>, size: number): Promise<{ cid: string; size: number }>;
  /** `dataKey` sealed to the key network under dataset `datasetId`'s access conditions. */
  sealKey(dataKey: Uint8Array, datasetId: bigint): Promise<KeyEnvelope>;
  /** Signs `document` as the account (EIP-712) and stores it; answers the CID to anchor. */
  storeDocument(document: DatasetDocument): Promise<string>;
  /** Dataset `id`'s current document; DatasetNotFoundError for an id never published. */
  anchored(id: bigint): Promise<AnchoredDocument>;
}

/** What downloading needs besides the chain. */
export interface DownloadPort extends MarketPort {
  /** What the account needs to download dataset `id`; ComputeOnlyError where it may only compute on it. */
  ticket(id: bigint): Promise<DownloadTicket>;
  /**
   * The ticket's data key, released by the key network within `session` (or a session the port opens or
   * reuses); tells `onProgress` when the account is asked to sign in and when the shares are asked for.
   */
  dataKey(ticket: DownloadTicket, session?: KeySession, onProgress?: (progress: { step: 'sign-in' | 'shares' }) => void): Promise<Uint8Array>;
  /** The stored ciphertext at `cid`. */
  ciphertext(cid: string): AsyncIterable<Uint8Array>;
}
