/** The key network's interface, kept apart from the factory in ./index so that the adapters import it without a circle. */
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
