/**
 * Dataset documents as Ceramic streams: each dataset is one ModelInstanceDocument of the Datagora model, and each
 * version is one commit of it. The stream is controlled by the owner's `did:pkh` (their Ethereum account) through
 * a SIWE-signed CACAO that delegates writing to a session key of this store, the ecosystem's convention.
 *
 * The registry anchors commits exactly as it anchors IPFS blocks: version 1's pointer is the genesis commit (so
 * the DatasetPublished event names the stream), each update's pointer is the commit that wrote it. A document
 * is the same EIP-712-signed record as on IPFS, so it is verified without trusting the Ceramic node, and the
 * stream's controller must be its signer.
 */
import { randomBytes } from 'node:crypto';
import { isAddressEqual, type Address } from 'viem';
import { parseSiweMessage } from 'viem/siwe';
import { z } from 'zod';
import { DatagoraError } from '../errors';
import { loadEsm } from '../esm';
import { sha256Hex } from '../crypto';
import { DAG_JOSE_CODEC, isMetadataCid } from './cid';
import { withoutUndefined } from './dag-json';
import { InvalidDocumentError, MalformedMetadataError, MetadataCidError, MetadataSignatureError } from './errors';
import type { MetadataGrant, MetadataStore } from './types';
import { describeIssues, signedDatasetSchema, type DatasetDocument, type SignedDataset } from './schema';
import { signDataset, verifySignedDataset, type DocumentSigner, type MetadataDomain } from './signing';

const ceramicClient = () => loadEsm('@ceramicnetwork/http-client', () => import('@ceramicnetwork/http-client'));
const streamModel = () => loadEsm('@ceramicnetwork/stream-model', () => import('@ceramicnetwork/stream-model'));
const modelInstance = () => loadEsm('@ceramicnetwork/stream-model-instance', () => import('@ceramicnetwork/stream-model-instance'));
const streamIds = () => loadEsm('@ceramicnetwork/streamid', () => import('@ceramicnetwork/streamid'));
const dids = () => loadEsm('dids', () => import('dids'));
const ed25519Provider = () => loadEsm('key-did-provider-ed25519', () => import('key-did-provider-ed25519'));
const keyResolver = () => loadEsm('key-did-resolver', () => import('key-did-resolver'));
const cacaos = () => loadEsm('@didtools/cacao', () => import('@didtools/cacao'));
const pkhEthereum = () => loadEsm('@didtools/pkh-ethereum', () => import('@didtools/pkh-ethereum'));

type CeramicClient = InstanceType<Awaited<ReturnType<typeof ceramicClient>>['CeramicClient']>;
type ModelInstance = InstanceType<Awaited<ReturnType<typeof modelInstance>>['ModelInstanceDocument']>;
type Did = InstanceType<Awaited<ReturnType<typeof dids>>['DID']>;
type StreamId = InstanceType<Awaited<ReturnType<typeof streamIds>>['StreamID']>;

/** The Datagora model's definition: its schema is the signed-document schema, converted from zod. */
export function datasetModelDefinition() {
  return {
    name: 'DatagoraDataset',
    description: 'A Datagora dataset document, EIP-712-signed by its publisher (format datagora/signed-dataset/v1)',
    version: '2.0',
    interface: false,
    implements: [],
    accountRelation: { type: 'list' },
    schema: z.toJSONSchema(signedDatasetSchema, { target: 'draft-2020-12', unrepresentable: 'any' }),
    relations: {},
    views: {},
  } as const;
}

/**
 * The model's controller key. It is public on purpose: Ceramic models cannot be updated, so the key only makes
 * the model's genesis (and so its stream id) the same on every node and every installation.
 */
const MODEL_KEY_SEED = Buffer.from(sha256Hex(new TextEncoder().encode('datagora/dataset-model/v1')), 'hex');

/** How long a session this store asks for stays valid. */
const SESSION_SECONDS = 24 * 3600;
/** A session is renewed when less than this is left, so a write never starts on an expiring one. */
const SESSION_MARGIN_SECONDS = 600;
/** Writes on a tip that moved (an anchor landed meanwhile) are built again this many times in all. */
const STALE_TIP_ATTEMPTS = 3;
const SESSION_STATEMENT = 'Give Datagora access to write your dataset documents on Ceramic.';

export interface CeramicStoreOptions {
  /** The Ceramic node's HTTP API, like http://127.0.0.1:7007. */
  url: string;
  /** The CID the registry anchored for a dataset's first version: its stream's genesis commit. */
  origin(datasetId: bigint): Promise<string>;
  /** The domain in the SIWE messages that delegate writing (the web app's host). */
  siweDomain: string;
}

/** A write session for one publisher: a session key's DID acting for the publisher's did:pkh. */
interface Session {
  did: Did;
  expiresAt: number;
}

/** The Ceramic node refused or could not do what was asked. */
export class CeramicError extends DatagoraError {
  constructor(problem: string, cause?: unknown) {
    super(problem, 'check that the Ceramic node (DATAGORA_CERAMIC_URL) is running: npm run ceramic-node starts a local one', { cause });
  }
}

/** The Ceramic node cannot be reached at all (refused, reset, timed out): a 503 for the web API, not bad input. */
export class CeramicUnavailableError extends CeramicError {
  override get httpStatus(): number {
    return 503;
  }
}

/** A publisher's permission to write (a signed SIWE message) is missing, expired, or for another key. */
export class MetadataGrantError extends DatagoraError {
  constructor(problem: string) {
    super(problem, 'sign the Ceramic session message again (the web app asks for it before publishing)');
  }
}

/** The did:pkh of an Ethereum account. */
export function pkhDid(chainId: number, address: Address): string {
  return `did:pkh:eip155:${chainId}:${address}`;
}

/** The account of an eip155 did:pkh, or undefined for any other DID. */
function pkhAddress(did: string): Address | undefined {
  const match = /^did:pkh:eip155:\d+:(0x[0-9a-fA-F]{40})$/.exec(did);
  return match?.[1] as Address | undefined;
}

export class CeramicMetadataStore implements MetadataStore {
  readonly kind = 'ceramic';
  private clientPromise?: Promise<CeramicClient>;
  private modelPromise?: Promise<StreamId>;
  private sessionKeyPromise?: Promise<Did>;
  private readonly sessions = new Map<string, Session>();
  private readonly origins = new Map<bigint, Promise<string>>();

  constructor(private readonly options: CeramicStoreOptions) {}

  private client(): Promise<CeramicClient> {
    this.clientPromise ??= ceramicClient().then(({ CeramicClient }) => new CeramicClient(this.options.url));
    return this.clientPromise;
  }

  /** Runs a call to the node; its failures become CeramicError, except Datagora's own errors. */
  private async node<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (cause) {
      if (cause instanceof DatagoraError) throw cause;
      const problem = `Ceramic node ${this.options.url} could not ${action}: ${messageOf(cause)}`;
      // fetch reports an unreachable host as "fetch failed" (its cause says why), a timeout as TimeoutError; a
      // node that answered is neither. Checked by shape: the error may come from another realm (vm modules).
      const name = cause !== null && typeof cause === 'object' && 'name' in cause ? cause.name : undefined;
      if (messageOf(cause) === 'fetch failed' || name === 'TimeoutError') throw new CeramicUnavailableError(problem, cause);
      throw new CeramicError(problem, cause);
    }
  }

  /** The Datagora model's stream id, creating the model on the node if it does not know it yet. */
  model(): Promise<StreamId> {
    this.modelPromise ??= (async () => {
      const [{ Model }, ceramic, did] = await Promise.all([streamModel(), this.client(), keyDid(MODEL_KEY_SEED)]);
      ceramic.did = did;
      const model = await this.node('create the Datagora model', () => Model.create(ceramic, datasetModelDefinition() as never));
      return model.id;
    })();
    this.modelPromise.catch(() => (this.modelPromise = undefined));
    return this.modelPromise;
  }

  /** The node answers its health check and holds the Datagora model. */
  async health(): Promise<{ url: string; model: string }> {
    const response = await this.node('answer its health check', () => fetch(`${this.options.url}/api/v0/node/healthcheck`, { signal: AbortSignal.timeout(3_000) }));
    if (!response.ok) throw new CeramicError(`Ceramic node ${this.options.url} answered its health check with HTTP ${response.status}`);
    return { url: this.options.url, model: (await this.model()).toString() };
  }

  /** This store's session key: random per store, so a leaked grant is worthless once the store is gone. */
  private sessionKey(): Promise<Did> {
    this.sessionKeyPromise ??= keyDid(randomBytes(32));
    return this.sessionKeyPromise;
  }

  async grantRequest(address: Address, domain: MetadataDomain): Promise<string> {
    const [{ SiweMessage }, key, model] = await Promise.all([cacaos(), this.sessionKey(), this.model()]);
    const now = Date.now();
    return new SiweMessage({
      domain: this.options.siweDomain,
      address,
      statement: SESSION_STATEMENT,
      uri: key.id,
      version: '1',
      nonce: randomBytes(12).toString('hex'),
      issuedAt: new Date(now).toISOString(),
      expirationTime: new Date(now + SESSION_SECONDS * 1000).toISOString(),
      chainId: String(domain.chainId),
      resources: [`ceramic://*?model=${model.toString()}`],
    }).signMessage();
  }

  /** A session for `address` from its signed grant; MetadataGrantError unless it delegates to this store's key. */
  private async sessionFrom(grant: MetadataGrant, address: Address, domain: MetadataDomain): Promise<Session> {
    const [{ SiweMessage, Cacao }, key, model] = await Promise.all([cacaos(), this.sessionKey(), this.model()]);
    // viem reads every field (the CACAO library's own parser drops the expiration time); rebuilt, the message
    // must be the very text the wallet signed, or the node could not verify the CACAO.
    let message: InstanceType<typeof SiweMessage>;
    try {
      const fields = parseSiweMessage(grant.message);
      message = new SiweMessage({
        ...fields,
        chainId: fields.chainId === undefined ? undefined : String(fields.chainId),
        issuedAt: fields.issuedAt?.toISOString(),
        expirationTime: fields.expirationTime?.toISOString(),
        notBefore: fields.notBefore?.toISOString(),
      });
    } catch (cause) {
      throw new MetadataGrantError(`the Ceramic session message cannot be read: ${messageOf(cause)}`);
    }
    if (message.signMessage() !== grant.message) throw new MetadataGrantError('the Ceramic session message is not one this store wrote');
    message.signature = grant.signature;
    if (message.uri !== key.id) throw new MetadataGrantError('the Ceramic session was granted to another session key (the server restarted?)');
    if (message.domain !== this.options.siweDomain) throw new MetadataGrantError(`the Ceramic session was asked for by ${message.domain}, not ${this.options.siweDomain}`);
    if (!isAddressEqual(message.address as Address, address)) throw new MetadataGrantError(`the Ceramic session is for ${message.address}, not the publisher ${address}`);
    if (message.chainId !== String(domain.chainId)) throw new MetadataGrantError(`the Ceramic session is for chain ${message.chainId}, not ${domain.chainId}`);
    if (!message.resources?.includes(`ceramic://*?model=${model.toString()}`)) throw new MetadataGrantError('the Ceramic session does not cover the Datagora model');
    const expiresAt = Date.parse(message.expirationTime ?? '');
    if (!(expiresAt > Date.now() + SESSION_MARGIN_SECONDS * 1000)) throw new MetadataGrantError('the Ceramic session has expired or is about to');
    const cacao = Cacao.fromSiweMessage(message);
    // The node verifies the CACAO too; checking here gives the publisher a clear error instead of a refusal.
    const { getEIP191Verifier } = await pkhEthereum();
    try {
      await Cacao.verify(cacao, { verifiers: getEIP191Verifier() });
    } catch (cause) {
      throw new MetadataGrantError(`the Ceramic session's signature does not verify: ${messageOf(cause)}`);
    }
    const did = key.withCapability(cacao);
    await did.authenticate();
    return { did, expiresAt };
  }

  /** A session for a local signer, signing a fresh grant when there is none or it is about to expire. */
  private async sessionFor(signer: DocumentSigner, domain: MetadataDomain): Promise<Session> {
    const cached = this.sessions.get(signer.address);
    if (cached && cached.expiresAt > Date.now() + SESSION_MARGIN_SECONDS * 1000) return cached;
    const message = await this.grantRequest(signer.address, domain);
    const session = await this.sessionFrom({ message, signature: await signer.signMessage({ message }) }, signer.address, domain);
    this.sessions.set(signer.address, session);
    return session;
  }

  async put(document: DatasetDocument, signer: DocumentSigner, domain: MetadataDomain): Promise<{ cid: string; signed: SignedDataset }> {
    const signed = await signDataset(document, signer, domain);
    return this.write(signed, await this.sessionFor(signer, domain));
  }

  async putSigned(value: unknown, domain: MetadataDomain, grant?: MetadataGrant): Promise<{ cid: string; signed: SignedDataset }> {
    const parsed = signedDatasetSchema.safeParse(value);
    if (!parsed.success) throw new InvalidDocumentError(describeIssues(parsed.error));
    await verifySignedDataset(parsed.data, domain, 'submitted for storage');
    if (!grant) throw new MetadataGrantError('documents stored on Ceramic need the publisher’s signed Ceramic session');
    return this.write(parsed.data, await this.sessionFrom(grant, parsed.data.signer, domain));
  }

  /** Writes version 1 as a new stream, later versions as a commit on the dataset's stream. */
  private async write(signed: SignedDataset, session: Session): Promise<{ cid: string; signed: SignedDataset }> {
    const [{ ModelInstanceDocument }, ceramic, model] = await Promise.all([modelInstance(), this.client(), this.model()]);
    const content = withoutUndefined(signed);
    const { datasetId, version } = signed.document;
    if (version === 1) {
      const stream = await this.node(`create the stream of dataset ${datasetId}`, () =>
        ModelInstanceDocument.create(ceramic, content, { controller: session.did.parent, model }, { asDID: session.did }),
      );
      return { cid: stream.tip.toString(), signed };
    }
    const streamId = await this.streamOf(BigInt(datasetId));
    // An anchor commit can land between reading the tip and writing on it; the node then refuses the write
    // as built on stale state, and it is built again on the new tip.
    for (let attempt = 1; ; attempt++) {
      const stream = await this.loadStream(streamId);
      if (stream.metadata.controller !== session.did.parent) {
        throw new MetadataSignatureError(stream.id.toString(), `the stream of dataset ${datasetId} is controlled by ${stream.metadata.controller}, not ${session.did.parent}`);
      }
      try {
        await this.node(`update the stream of dataset ${datasetId}`, () => stream.replace(content, undefined, { asDID: session.did }));
        return { cid: stream.tip.toString(), signed };
      } catch (error) {
        if (attempt >= STALE_TIP_ATTEMPTS || !(error instanceof CeramicError && /stale state/.test(error.message))) throw error;
      }
    }
  }

  /** The stream of `datasetId`, named by the genesis commit its first version anchored. */
  private async streamOf(datasetId: bigint): Promise<StreamId> {
    let origin = this.origins.get(datasetId);
    if (!origin) {
      origin = this.options.origin(datasetId);
      this.origins.set(datasetId, origin);
      origin.catch(() => this.origins.delete(datasetId));
    }
    const genesis = await origin;
    if (!isMetadataCid(genesis, DAG_JOSE_CODEC)) {
      throw new MetadataCidError(genesis, `dataset ${datasetId}'s first version is not a Ceramic commit (was it published with DATAGORA_METADATA=ipfs?)`);
    }
    const { StreamID } = await streamIds();
    return new StreamID('MID', genesis);
  }

  private async loadStream(ref: { toString(): string }): Promise<ModelInstance> {
    const [{ ModelInstanceDocument }, ceramic] = await Promise.all([modelInstance(), this.client()]);
    return this.node(`load ${ref.toString()}`, () => ModelInstanceDocument.load(ceramic, ref as never));
  }

  async get(cid: string, domain: MetadataDomain, datasetId: bigint): Promise<SignedDataset> {
    if (!isMetadataCid(cid, DAG_JOSE_CODEC)) throw new MetadataCidError(cid, 'not a Ceramic commit: a base32 CIDv1 with codec dag-jose and a sha2-256 multihash');
    const [streamId, { CommitID }] = await Promise.all([this.streamOf(datasetId), streamIds()]);
    return this.verify(await this.loadStream(CommitID.make(streamId, cid)), cid, domain);
  }

  /**
   * Every version in the dataset's stream, oldest first, each verified like `get`: the history is the stream's
   * commits (anchor commits, which change no content, are left out).
   */
  async history(datasetId: bigint, domain: MetadataDomain): Promise<Array<{ cid: string; signed: SignedDataset }>> {
    const [streamId, { CommitID }] = await Promise.all([this.streamOf(datasetId), streamIds()]);
    const head = await this.loadStream(streamId);
    const versions: Array<{ cid: string; signed: SignedDataset }> = [];
    // Log entry types: 0 genesis, 1 signed data commit, 2 anchor commit.
    for (const entry of head.state.log.filter((entry) => entry.type !== 2)) {
      const cid = entry.cid.toString();
      versions.push({ cid, signed: await this.verify(await this.loadStream(CommitID.make(streamId, cid)), cid, domain) });
    }
    return versions;
  }

  /** The document a stream holds at a commit, checked: Datagora model, schema, EIP-712 signature, controller. */
  private async verify(stream: ModelInstance, cid: string, domain: MetadataDomain): Promise<SignedDataset> {
    const model = await this.model();
    if (stream.metadata.model.toString() !== model.toString()) {
      throw new MalformedMetadataError(cid, `its stream is an instance of model ${stream.metadata.model.toString()}, not the Datagora model ${model.toString()}`);
    }
    const parsed = signedDatasetSchema.safeParse(stream.content);
    if (!parsed.success) throw new MalformedMetadataError(cid, describeIssues(parsed.error));
    await verifySignedDataset(parsed.data, domain, cid);
    const controller = stream.metadata.controller;
    const account = pkhAddress(controller);
    if (!account || !isAddressEqual(account, parsed.data.signer)) {
      throw new MetadataSignatureError(cid, `its stream is controlled by ${controller}, not by the document's signer ${parsed.data.signer}`);
    }
    return parsed.data;
  }
}

/** An authenticated did:key for a 32-byte Ed25519 seed. */
async function keyDid(seed: Uint8Array): Promise<Did> {
  const [{ DID }, { Ed25519Provider }, { getResolver }] = await Promise.all([dids(), ed25519Provider(), keyResolver()]);
  const did = new DID({ provider: new Ed25519Provider(seed), resolver: getResolver() });
  await did.authenticate();
  return did;
}

function messageOf(error: unknown): string {
  return error !== null && typeof error === 'object' && 'message' in error ? String(error.message) : String(error);
}
