/**
 * Client of the local Lit-compatible key network. Encrypting needs only the network's public key; decrypting
 * opens a key session (one wallet signature for any number of envelopes, lib/access/session.ts), asks the
 * nodes for their shares, and lets Lit's crypto package combine the first `threshold`, check the combined
 * signature and open the envelope; only if that fails are the shares asked again and checked one by one.
 */
import { encrypt, verifyAndDecryptWithSignatureShares } from '@lit-protocol/crypto';
import type { Deployments } from '../chain/deployments';
import type { PublicKey } from '@chainsafe/blst';
import { publicKeyFromHex, shareX, verifyShare, type BlsSignatureShare } from './bls';
import type { NetworkInfo } from './ceremony';
import { accessIdentity, canDecryptConditions, dataToEncryptHash, litChainKey } from './conditions';
import { parseEnvelope, type EncryptionTarget, type KeyEnvelope } from './envelope';
import { DecryptionFailedError, KeyCeremonyError, KeyEnvelopeError } from './errors';
import type { KeyNetwork } from './types';
import { HEALTH_PATH } from './protocol';
import { isKeySession, openKeySession, requestShares, type KeyHolder, type KeySession } from './session';
import type { MessageSigner } from './siwe';

export interface LocalKeyNetworkOptions {
  /** Node i's URL at position i. */
  urls: string[];
  info: NetworkInfo;
  deployments: Deployments;
  siweDomain: string;
  /** The app's URL, named in the SIWE message. */
  siweUri: string;
  /** How long to wait for a node before counting it as unavailable. */
  requestTimeoutMs?: number;
}

/** Shares gathered for an envelope, before they are combined. */
export interface GatheredShares {
  identity: string;
  shares: BlsSignatureShare[];
}

const DATA_KEY_BYTES = 32;
const REQUEST_TIMEOUT_MS = 10_000;
const HEALTH_TIMEOUT_MS = 3_000;

const envelopeIdentity = (envelope: KeyEnvelope) => accessIdentity(envelope.evmContractConditions, envelope.dataToEncryptHash);

const describe = (error: unknown) => (error instanceof Error ? ((error.cause instanceof Error && error.cause.message) || error.message) : String(error));

export class LocalKeyNetwork implements KeyNetwork {
  readonly kind = 'local';

  /** Node i's share public key, to check its shares before combining them. */
  private readonly shareKeys: PublicKey[];

  constructor(private readonly options: LocalKeyNetworkOptions) {
    if (options.urls.length !== options.info.nodes) {
      throw new KeyCeremonyError(
        `the key network has ${options.info.nodes} nodes but ${options.urls.length} URLs are configured`,
        `set DATAGORA_KEYNODES=${options.info.nodes}`,
      );
    }
    this.shareKeys = options.info.sharePublicKeys.map(publicKeyFromHex);
  }

  async encryptKey(dataKey: Uint8Array, datasetId: bigint): Promise<KeyEnvelope> {
    if (dataKey.length !== DATA_KEY_BYTES) throw new KeyEnvelopeError(`a data key has ${DATA_KEY_BYTES} bytes, not ${dataKey.length}`, 'pass the 32-byte key the data was encrypted with');
    const { publicKey, identity, envelope } = await this.encryptionTarget(datasetId, dataToEncryptHash(dataKey));
    const ciphertext = await encrypt(publicKey, dataKey, new TextEncoder().encode(identity));
    return { ...envelope, ciphertext };
  }

  async encryptionTarget(datasetId: bigint, hash: string): Promise<EncryptionTarget> {
    const conditions = canDecryptConditions(this.options.deployments, datasetId);
    const identity = await accessIdentity(conditions, hash);
    const envelope = { network: 'local' as const, dataToEncryptHash: hash, chain: litChainKey(this.options.deployments.chainId), evmContractConditions: conditions };
    return { publicKey: this.options.info.publicKey, identity, envelope };
  }

  /** One wallet signature of `account` opening a session for `envelopes` (this network's domain and chain). */
  async openSession(account: MessageSigner, envelopes: KeyEnvelope[]): Promise<KeySession> {
    const identities = await Promise.all(envelopes.map((envelope) => envelopeIdentity(parseEnvelope(envelope, 'local'))));
    const { deployments, siweDomain, siweUri } = this.options;
    return openKeySession(account, { domain: siweDomain, uri: siweUri, chainId: deployments.chainId }, identities);
  }

  async decryptKey(envelope: KeyEnvelope, holder: KeyHolder): Promise<Uint8Array> {
    const checked = parseEnvelope(envelope, 'local');
    const session = isKeySession(holder) ? holder : await this.openSession(holder, [checked]);
    try {
      return await this.openWithShares(checked, await this.gatherShares(checked, session));
    } catch (error) {
      if (!(error instanceof DecryptionFailedError)) throw error;
      // A node may have sent a bad share: ask again, checking each share against its node's key.
      return this.openWithShares(checked, await this.gatherShares(checked, session, { checkEach: true }));
    }
  }

  /**
   * Asks the nodes for their shares of the envelope's identity within `session` (lib/access/shares.ts) and
   * settles with the first `threshold`. Each share is checked against its node's share key only with
   * `checkEach` (a pairing, ~1.5 ms): otherwise their combination is checked when the envelope is opened.
   */
  async gatherShares(envelope: KeyEnvelope, session: KeySession, { checkEach = false } = {}): Promise<GatheredShares> {
    const identity = await envelopeIdentity(envelope);
    const message = new TextEncoder().encode(identity);
    const accept = (share: BlsSignatureShare, index: number) => {
      const shareKey = this.shareKeys[index];
      return shareKey !== undefined && verifyShare(share, shareX(index), shareKey, message);
    };
    const nodes = {
      urls: this.options.urls,
      threshold: this.options.info.threshold,
      publicKey: this.options.info.publicKey,
      timeoutMs: this.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      ...(checkEach ? { accept } : {}),
    };
    return { identity, shares: await requestShares(nodes, session, envelope, identity) };
  }

  /** Combines the shares with Lit's crypto package and opens the envelope; throws DecryptionFailedError if it does not open. */
  async openWithShares(envelope: KeyEnvelope, { identity, shares }: GatheredShares): Promise<Uint8Array> {
    try {
      return await verifyAndDecryptWithSignatureShares(this.options.info.publicKey, new TextEncoder().encode(identity), envelope.ciphertext, shares);
    } catch (error) {
      throw new DecryptionFailedError(error);
    }
  }

  /** Each node's /health, in parallel. */
  async health(): Promise<Record<string, unknown>> {
    const { urls, info } = this.options;
    const nodes = await Promise.all(
      urls.map(async (url) => {
        try {
          const response = await fetch(`${url}${HEALTH_PATH}`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
          const body = (await response.json()) as Record<string, unknown>;
          return { url, ok: response.ok && body.ok === true, blockNumber: body.blockNumber ?? null, ...(response.ok ? {} : { error: body.error }) };
        } catch (error) {
          return { url, ok: false, error: describe(error) };
        }
      }),
    );
    const up = nodes.filter((node) => node.ok).length;
    return { adapter: 'local', ok: up >= info.threshold, threshold: info.threshold, nodes: info.nodes, up, publicKey: info.publicKey, status: nodes };
  }

  /** Nothing to release: requests use the shared fetch pool. */
  async close(): Promise<void> {}
}
