/**
 * The key network: it guards each dataset's 32-byte data key (never the data). A key is encrypted Lit-style
 * under conditions calling `Marketplace.canDecrypt(datasetId, :userAddress)`; to recover it, a requester
 * signs in with SIWE and the key nodes, evaluating the conditions themselves on the chain, release
 * signature shares that combine into the decryption key. Adapters: `local` (Lit-compatible threshold
 * nodes this market runs, local.ts and node.ts) and `lit` (the real Lit network, lit.ts).
 */
import type { Deployments } from '../chain/deployments';
import type { Config } from '../config';
import { assertNetworkShape, readNetworkInfo } from './ceremony';
import { LitKeyNetwork } from './lit';
import { LocalKeyNetwork } from './local';
import type { EncryptionTarget, KeyEnvelope } from './envelope';
import type { KeyHolder, KeySession } from './session';
import type { MessageSigner } from './siwe';

export interface KeyNetwork {
  readonly kind: 'local' | 'lit';
  /** Encrypts a data key so that only accounts for which Marketplace.canDecrypt(datasetId, account) is true can recover it. */
  encryptKey(dataKey: Uint8Array, datasetId: bigint): Promise<KeyEnvelope>;
  /**
   * What a client needs to encrypt a data key itself (the browser, which never sends the key anywhere): the
   * network's public key, the identity for `datasetId`'s conditions and the key's hash, and the envelope fields.
   */
  encryptionTarget(datasetId: bigint, dataToEncryptHash: string): Promise<EncryptionTarget>;
  /**
   * Opens a key session: `account` signs one SIWE message listing the envelopes' identities and a fresh
   * session key, which then signs each share request; the session decrypts those envelopes (and only those)
   * until it expires.
   */
  openSession(account: MessageSigner, envelopes: KeyEnvelope[]): Promise<KeySession>;
  /**
   * Recovers the envelope's data key within `holder`'s session (a wallet gets a session for this envelope
   * alone): asks the nodes for shares, combines t of them and returns the key.
   */
  decryptKey(envelope: KeyEnvelope, holder: KeyHolder): Promise<Uint8Array>;
  /** Per-node status, for /api/health. */
  health(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The key network the configuration selects, for the market deployed in `deployments`. The local network must
 * have been dealt (`ensureKeyNetwork`, which `npm start` runs) with the configured size and threshold; the
 * Lit network is connected to, failing fast when it cannot be reached.
 */
export async function openKeyNetwork(config: Config, deployments: Deployments): Promise<KeyNetwork> {
  const network = config.keyNetwork;
  if (network.adapter === 'lit') {
    return LitKeyNetwork.connect({ network: network.network, deployments, siweDomain: config.siweDomain, siweUri: config.web.url });
  }
  const info = readNetworkInfo(network.dir);
  assertNetworkShape(info, network.dir, network.nodes, network.threshold);
  return new LocalKeyNetwork({ urls: network.urls, info, deployments, siweDomain: config.siweDomain, siweUri: config.web.url });
}

export { canDecryptConditions, type EvmContractConditions } from './conditions';
export { keyEnvelopeSchema, parseEnvelope, type EncryptionTarget, type KeyEnvelope } from './envelope';
export type { KeyHolder, KeySession } from './session';
export * from './errors';
