/**
 * Client of the local Lit-compatible key network. Encrypting needs only the network's public key; decrypting
 * signs one SIWE message, asks every node for its share in parallel, keeps the first `threshold` shares that
 * verify against their node's share key, and lets Lit's crypto package combine them and open the envelope.
 */
import { encrypt, verifyAndDecryptWithSignatureShares } from '@lit-protocol/crypto';
import type { LocalAccount } from 'viem';
import type { Deployments } from '../chain/deployments';
import type { PublicKey } from '@chainsafe/blst';
import { publicKeyFromHex, shareX, verifyShare, type BlsSignatureShare } from './bls';
import type { NetworkInfo } from './ceremony';
import { accessIdentity, canDecryptConditions, dataToEncryptHash, litChainKey } from './conditions';
import { parseEnvelope, type KeyEnvelope } from './envelope';
import { AccessDeniedError, DecryptionFailedError, KeyCeremonyError, KeyEnvelopeError, KeyNetworkUnavailableError, type NodeFailure } from './errors';
import type { KeyNetwork } from './index';
import { ENCRYPTION_SIGN_PATH, HEALTH_PATH, refusalSchema, shareResponseSchema, type ShareRequest } from './protocol';
import { createAuthSig, type AuthSig } from './siwe';

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

type NodeOutcome = { share: BlsSignatureShare } | { failure: NodeFailure };

const DATA_KEY_BYTES = 32;
const REQUEST_TIMEOUT_MS = 10_000;
const HEALTH_TIMEOUT_MS = 3_000;

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
    const conditions = canDecryptConditions(this.options.deployments, datasetId);
    const hash = dataToEncryptHash(dataKey);
    const identity = await accessIdentity(conditions, hash);
    const ciphertext = await encrypt(this.options.info.publicKey, dataKey, new TextEncoder().encode(identity));
    return { network: 'local', ciphertext, dataToEncryptHash: hash, chain: litChainKey(this.options.deployments.chainId), evmContractConditions: conditions };
  }

  async decryptKey(envelope: KeyEnvelope, account: LocalAccount): Promise<Uint8Array> {
    const checked = parseEnvelope(envelope, 'local');
    return this.openWithShares(checked, await this.gatherShares(checked, await this.signIn(account)));
  }

  /** A fresh single-use SIWE sign-in of `account` for this network's domain and chain. */
  signIn(account: LocalAccount): Promise<AuthSig> {
    const { deployments, siweDomain, siweUri } = this.options;
    return createAuthSig(account, { domain: siweDomain, uri: siweUri, chainId: deployments.chainId });
  }

  /**
   * Asks every node for its share of the envelope's identity with `authSig`, and settles with the first
   * `threshold` shares that verify. Throws AccessDeniedError when nodes refuse and none releases a share,
   * KeyNetworkUnavailableError when too few answer.
   */
  async gatherShares(envelope: KeyEnvelope, authSig: AuthSig): Promise<GatheredShares> {
    const { urls } = this.options;
    const identity = await accessIdentity(envelope.evmContractConditions, envelope.dataToEncryptHash);
    const request: ShareRequest = {
      authSig,
      evmContractConditions: envelope.evmContractConditions,
      dataToEncryptHash: envelope.dataToEncryptHash,
      chain: envelope.chain,
    };
    const body = JSON.stringify(request);
    const message = new TextEncoder().encode(identity);

    const ask = async (url: string, index: number, signal: AbortSignal): Promise<NodeOutcome> => {
      const fail = (status: number, code: string, reason: string): NodeOutcome => ({ failure: { url, status, code, reason } });
      let response: Response;
      try {
        response = await fetch(`${url}${ENCRYPTION_SIGN_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });
      } catch (error) {
        return fail(0, 'unreachable', signal.aborted ? 'no answer in time' : describe(error));
      }
      const json: unknown = await response.json().catch(() => undefined);
      if (!response.ok) {
        const refusal = refusalSchema.safeParse(json);
        return refusal.success ? fail(response.status, refusal.data.error, refusal.data.reason) : fail(response.status, 'http', `HTTP ${response.status}`);
      }
      const parsed = shareResponseSchema.safeParse(json);
      if (!parsed.success) return fail(response.status, 'bad-share', 'the node answered something that is no signature share');
      // Settled already (threshold met or impossible): spare the pairing check.
      if (signal.aborted) return fail(response.status, 'not-needed', 'arrived after the decision');
      const { signatureShare, dataSigned } = parsed.data;
      const shareKey = this.shareKeys[index];
      if (dataSigned !== identity || !shareKey || !verifyShare(signatureShare, shareX(index), shareKey, message)) {
        return fail(response.status, 'bad-share', 'the node’s share does not verify against its share key');
      }
      return { share: signatureShare };
    };

    const shares = await this.firstShares((signal) => urls.map((url, index) => ask(url, index, signal)), authSig.address);
    return { identity, shares };
  }

  /** Combines the shares with Lit's crypto package and opens the envelope; throws DecryptionFailedError if it does not open. */
  async openWithShares(envelope: KeyEnvelope, { identity, shares }: GatheredShares): Promise<Uint8Array> {
    try {
      return await verifyAndDecryptWithSignatureShares(this.options.info.publicKey, new TextEncoder().encode(identity), envelope.ciphertext, shares);
    } catch (error) {
      throw new DecryptionFailedError(error);
    }
  }

  /** Settles with the first `threshold` shares, or as soon as the remaining nodes cannot make up the threshold. */
  private firstShares(start: (signal: AbortSignal) => Promise<NodeOutcome>[], account: string): Promise<BlsSignatureShare[]> {
    const { threshold } = this.options.info;
    const cancel = new AbortController();
    const attempts = start(AbortSignal.any([cancel.signal, AbortSignal.timeout(this.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS)]));
    return new Promise((resolve, reject) => {
      const shares: BlsSignatureShare[] = [];
      const failures: NodeFailure[] = [];
      let pending = attempts.length;
      let settled = false;
      for (const attempt of attempts) {
        void attempt.then((outcome) => {
          pending--;
          if (settled) return;
          if ('share' in outcome) shares.push(outcome.share);
          else failures.push(outcome.failure);
          if (shares.length >= threshold) {
            settled = true;
            cancel.abort(); // the shares still on their way are not needed
            resolve(shares);
          } else if (shares.length + pending < threshold) {
            settled = true;
            cancel.abort();
            // Nodes refusing while none grants means the account may not decrypt; otherwise nodes are missing.
            const refusals = failures.filter((failure) => failure.status === 403);
            reject(shares.length === 0 && refusals.length > 0 ? new AccessDeniedError(account, refusals) : new KeyNetworkUnavailableError(shares.length, threshold, failures));
          }
        });
      }
    });
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
