/**
 * A key node of the local network: an HTTP service holding one Shamir share of the network's BLS key. It
 * releases a signature share of a key's identity only within a key session (lib/access/session.ts) whose
 * SIWE sign-in lists that identity, for a request signed for this node and never seen before, and only if
 * the node itself finds the access conditions true on its chain for the signed-in account. The wallet's
 * signature is checked once per session; per request the node spends well under a millisecond on crypto
 * (Ed25519 through node:crypto, BLS through blst), so concurrent requests never queue behind it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { connectPublic } from '../chain/clients';
import { allowBrowsers, readJson, send } from '../net/http';
import { jsonNesting } from '../net/json';
import { assertPortFree } from '../net/ports';
import { signShare } from './bls';
import { readNetworkInfo, readNodeShare, nodeDir } from './ceremony';
import { accessIdentity, conditionChains, litChainKey, parseConditions, type EvmContractConditions } from './conditions';
import { KeyRequestRejected } from './errors';
import { evaluateConditions } from './evaluate';
import { SessionVerifier } from './node-session';
import { NonceStore } from './nonces';
import { ENCRYPTION_SIGN_PATH, HEALTH_PATH, MAX_CONDITIONS, MAX_CONDITIONS_NESTING, shareRequestSchema, type ShareResponse } from './protocol';
import { PhaseTimings, type Lap } from './timings';

export interface KeyNodeOptions {
  /** Which share this node holds (0..n − 1). */
  index: number;
  /** The key network's directory (config.keyNetwork.dir). */
  dir: string;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The chain the node evaluates conditions on, and its id. */
  rpcUrl: string;
  chainId: number;
  /** The domain sign-in messages must name. */
  siweDomain: string;
  log?: (line: string) => void;
}

export interface KeyNode {
  url: string;
  stop(): Promise<void>;
}

/** Request bodies are a few kilobytes; anything larger is refused unread. */
const MAX_BODY_BYTES = 64 * 1024;
/** Distinct envelopes whose checked conditions and identity a node keeps. */
const MAX_CACHED_TARGETS = 1_024;

/** Starts key node `options.index`; resolves once it listens. */
export async function startKeyNode(options: KeyNodeOptions): Promise<KeyNode> {
  const { index, dir, siweDomain, chainId } = options;
  const info = readNetworkInfo(dir);
  const share = readNodeShare(dir, index);
  const chainKey = litChainKey(chainId);
  // Concurrent requests' eth_calls go out as one JSON-RPC batch: one HTTP round trip for many under load.
  const client = await connectPublic(options.rpcUrl, chainId, { batch: true });
  await assertPortFree(options.host, options.port, 'DATAGORA_KEYNODE_PORT', `key node ${index}`);
  const nonces = new NonceStore(path.join(nodeDir(dir, index), 'nonces.log'));
  const sessions = new SessionVerifier({ node: index, network: info.publicKey }, { domain: siweDomain, chainId });
  const timings = new PhaseTimings();
  const log = options.log ?? (() => undefined);

  // Every buyer of a dataset sends the same conditions: their schema check and Lit hash are done once.
  const targets = new Map<string, { conditions: EvmContractConditions; identity: string }>();

  /** The request's conditions, checked against Lit's schema and this node's chain, and the identity they sign. */
  async function checkTarget(request: { chain: string; dataToEncryptHash: string; evmContractConditions: unknown[] }): Promise<{ conditions: EvmContractConditions; identity: string }> {
    // Before anything recursive reads them (JSON.stringify, Lit's schema and hashing): deep ones overflow the stack.
    const { length } = request.evmContractConditions;
    if (length > MAX_CONDITIONS) throw new KeyRequestRejected(400, 'invalid-conditions', `the request lists ${length} conditions, at most ${MAX_CONDITIONS} are evaluated`);
    const nesting = jsonNesting(request.evmContractConditions);
    if (nesting > MAX_CONDITIONS_NESTING) throw new KeyRequestRejected(400, 'invalid-conditions', `the conditions nest ${nesting} levels deep, at most ${MAX_CONDITIONS_NESTING} are read`);
    const key = `${request.chain}\n${request.dataToEncryptHash}\n${JSON.stringify(request.evmContractConditions)}`;
    const known = targets.get(key);
    if (known) return known;
    const checked = parseConditions(request.evmContractConditions);
    if ('problems' in checked) throw new KeyRequestRejected(400, 'invalid-conditions', `the conditions fail Lit's schema: ${checked.problems}`);
    for (const chain of new Set([request.chain, ...conditionChains(checked.conditions)])) {
      if (chain !== chainKey) throw new KeyRequestRejected(400, 'unsupported-chain', `this key network evaluates conditions on ${chainKey} (chain ${chainId}) only, not ${chain}`);
    }
    const target = { conditions: checked.conditions, identity: await accessIdentity(checked.conditions, request.dataToEncryptHash) };
    if (targets.size >= MAX_CACHED_TARGETS) targets.delete(targets.keys().next().value!);
    targets.set(key, target);
    return target;
  }

  async function releaseShare(body: unknown, lap: Lap): Promise<ShareResponse> {
    const parsed = shareRequestSchema.safeParse(body);
    if (!parsed.success) {
      throw new KeyRequestRejected(400, 'malformed-request', parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    }
    const request = parsed.data;
    const { conditions, identity } = await checkTarget(request);
    lap('parse');
    const { session, fresh } = await sessions.session(request.authSig);
    if (fresh) lap('wallet');
    sessions.checkRequest(session, identity, request.sessionSig);
    // Claimed only once the session key's signature holds: strangers cannot fill the store.
    if (!nonces.claim(`${session.sessionKey}:${request.sessionSig.nonce}`, session.expiresAt)) {
      throw new KeyRequestRejected(403, 'session-replayed', `this request (nonce ${request.sessionSig.nonce}) was already answered: sign a fresh one with the session key`);
    }
    lap('session');
    const evaluation = await evaluateConditions(conditions, { client, userAddress: session.address });
    lap('conditions');
    if (!evaluation.granted) throw new KeyRequestRejected(403, 'conditions-not-met', `${session.address} may not decrypt: ${evaluation.reason}`);
    const signatureShare = signShare(share.secretKey, share.x, new TextEncoder().encode(identity));
    lap('sign');
    return { signatureShare, shareIndex: index, curveType: 'BLS', dataSigned: identity };
  }

  async function health(): Promise<{ status: number; body: Record<string, unknown> }> {
    const body = { index, threshold: info.threshold, nodes: info.nodes, publicKey: info.publicKey, chainId, chain: chainKey, timings };
    try {
      return { status: 200, body: { ok: true, ...body, blockNumber: Number(await client.getBlockNumber()) } };
    } catch (error) {
      return { status: 503, body: { ok: false, ...body, blockNumber: null, error: error instanceof Error ? error.message : String(error) } };
    }
  }

  const server = createServer((request, response) => {
    if (allowBrowsers(request, response)) return;
    const route = `${request.method} ${request.url}`;
    const handle = async () => {
      if (route === `GET ${HEALTH_PATH}`) {
        const { status, body } = await health();
        return send(response, status, body);
      }
      if (route !== `POST ${ENCRYPTION_SIGN_PATH}`) return send(response, 404, { error: 'not-found', reason: `no route ${route}` });
      const lap = timings.stopwatch();
      const body = await readJson(request, MAX_BODY_BYTES, (problem, message) => new KeyRequestRejected(400, problem, message));
      lap('read');
      send(response, 200, await releaseShare(body, lap));
      lap('reply');
    };
    handle().catch((error: unknown) => {
      if (error instanceof KeyRequestRejected) {
        if (error.status !== 400) log(`refused (${error.code}): ${error.message}`);
        return send(response, error.status, { error: error.code, reason: error.message });
      }
      log(`error on ${route}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      send(response, 500, { error: 'internal', reason: 'the key node failed on this request; see its log' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host}:${port}`;
  log(`key node ${index} (${info.threshold}-of-${info.nodes}) on ${url}, conditions on ${chainKey} → chain ${chainId} at ${options.rpcUrl}`);

  return {
    url,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      nonces.close();
    },
  };
}
