/**
 * The real Lit network (datil-dev, datil-test, datil) through `@lit-protocol/lit-node-client` 7.4: the same
 * envelope, conditions and SIWE authSig as the local network, but Lit's nodes hold the key and read the
 * chain. It needs the internet and a chain Lit lists, so only its offline failure is tested here.
 */
import type { LitNodeClient } from '@lit-protocol/lit-node-client';
import type { Deployments } from '../chain/deployments';
import { accessIdentity, canDecryptConditions, litListedChainKey, type LitChainKey } from './conditions';
import { parseEnvelope, type EncryptionTarget, type KeyEnvelope } from './envelope';
import { KeyEnvelopeError, LitChainUnsupportedError, LitNetworkUnreachableError } from './errors';
import type { KeyNetwork } from './types';
import { isKeySession, openKeySession, type KeyHolder, type KeySession } from './session';
import type { MessageSigner } from './siwe';

export type LitNetworkName = 'datil-dev' | 'datil-test' | 'datil';

export interface LitKeyNetworkOptions {
  network: LitNetworkName;
  deployments: Deployments;
  siweDomain: string;
  siweUri: string;
  /** Give up connecting after this long (default 5 s): an offline machine must not hang the app. */
  connectTimeoutMs?: number;
}

const CONNECT_TIMEOUT_MS = 5_000;

export class LitKeyNetwork implements KeyNetwork {
  readonly kind = 'lit';

  private constructor(
    private readonly client: LitNodeClient,
    private readonly chain: LitChainKey,
    private readonly options: LitKeyNetworkOptions,
  ) {}

  /** Connects to the Lit network; throws LitNetworkUnreachableError within the connect timeout if it cannot. */
  static async connect(options: LitKeyNetworkOptions): Promise<LitKeyNetwork> {
    const chain = litListedChainKey(options.deployments.chainId);
    if (!chain) throw new LitChainUnsupportedError(options.deployments.chainId);
    const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    // Loaded on demand: the SDK takes seconds to import and only this adapter needs it.
    const { LitNodeClient } = await import('@lit-protocol/lit-node-client');
    const client = new LitNodeClient({ litNetwork: options.network, debug: false, connectTimeout: timeoutMs });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (cause) {
      await client.disconnect().catch(() => undefined);
      throw new LitNetworkUnreachableError(options.network, cause);
    } finally {
      clearTimeout(timer);
    }
    return new LitKeyNetwork(client, chain, options);
  }

  async encryptKey(dataKey: Uint8Array, datasetId: bigint): Promise<KeyEnvelope> {
    if (dataKey.length !== 32) throw new KeyEnvelopeError(`a data key has 32 bytes, not ${dataKey.length}`, 'pass the 32-byte key the data was encrypted with');
    const conditions = canDecryptConditions(this.options.deployments, datasetId);
    const { ciphertext, dataToEncryptHash } = await this.client.encrypt({ dataToEncrypt: dataKey, evmContractConditions: conditions });
    return { network: 'lit', ciphertext, dataToEncryptHash, chain: this.chain, evmContractConditions: conditions };
  }

  async encryptionTarget(datasetId: bigint, hash: string): Promise<EncryptionTarget> {
    const publicKey = this.client.subnetPubKey;
    if (!publicKey) throw new LitNetworkUnreachableError(this.options.network, new Error('connected, but the network named no subnet public key'));
    const conditions = canDecryptConditions(this.options.deployments, datasetId);
    const identity = await accessIdentity(conditions, hash);
    return { publicKey, identity, envelope: { network: 'lit', dataToEncryptHash: hash, chain: this.chain, evmContractConditions: conditions } };
  }

  /** The same session as the local network's; Lit's nodes read its wallet authSig, which lists the identities. */
  async openSession(account: MessageSigner, envelopes: KeyEnvelope[]): Promise<KeySession> {
    const identities = await Promise.all(
      envelopes.map((envelope) => {
        const { evmContractConditions, dataToEncryptHash } = parseEnvelope(envelope, 'lit');
        return accessIdentity(evmContractConditions, dataToEncryptHash);
      }),
    );
    const { siweDomain, siweUri, deployments } = this.options;
    return openKeySession(account, { domain: siweDomain, uri: siweUri, chainId: deployments.chainId }, identities);
  }

  async decryptKey(envelope: KeyEnvelope, holder: KeyHolder): Promise<Uint8Array> {
    const { ciphertext, dataToEncryptHash, evmContractConditions } = parseEnvelope(envelope, 'lit');
    const { authSig } = isKeySession(holder) ? holder : await this.openSession(holder, [envelope]);
    const { decryptedData } = await this.client.decrypt({ ciphertext, dataToEncryptHash, evmContractConditions, chain: this.chain, authSig });
    return decryptedData;
  }

  async health(): Promise<Record<string, unknown>> {
    return { adapter: 'lit', network: this.options.network, ok: this.client.ready, connectedNodes: this.client.connectedNodes.size, chain: this.chain };
  }

  async close(): Promise<void> {
    await this.client.disconnect();
  }
}
