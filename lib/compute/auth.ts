/**
 * Sign-in at a provider node for one job: a short-lived SIWE message naming the node's host as domain and the
 * job (and, when submitting, the public key results are encrypted to) as resources, signed by the job's buyer —
 * or by its dataset's owner, who may read the job's report and log. Sent as
 * `Authorization: SIWE <base64url JSON {message, signature}>`.
 */
import type { Address, Hex } from 'viem';
import { createSiweMessage, generateSiweNonce, parseSiweMessage } from 'viem/siwe';
import { KeyRequestRejected } from '../access/errors';
import { verifyAuthSig, type MessageSigner } from '../access/siwe';
import { ProviderRequestError } from './errors';
import { toBase64 } from './results';

const LIFETIME_MS = 10 * 60_000;

/**
 * JSON from a provider node's API (`route` on `endpoint`), for the CLI and the browser alike; the node's refusals
 * come back as ProviderRequestError with its reason code and hint.
 */
export async function providerRequest<T>(endpoint: string, route: string, init: RequestInit = {}): Promise<T> {
  return (await (await providerFetch(endpoint, route, init)).json().catch(() => ({}))) as T;
}

/** A provider node's answer to `route` on `endpoint` when it is a success; its refusal as ProviderRequestError. */
export async function providerFetch(endpoint: string, route: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(new URL(route, endpoint), init);
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new ProviderRequestError(0, 'unreachable', `the provider at ${endpoint} cannot be reached: ${(error as Error).message}`, 'check that the provider node runs; your escrow is safe (refund after the deadline)');
  }
  if (response.ok) return response;
  const body = (await response.json().catch(() => ({}))) as { error?: string; reason?: string; hint?: string };
  throw new ProviderRequestError(response.status, body.error ?? 'error', body.reason ?? `HTTP ${response.status}`, body.hint);
}

/** The resource naming job `jobId` on chain `chainId`. */
export function jobResource(chainId: number, jobId: bigint): string {
  return `urn:datagora:job:${chainId}:${jobId}`;
}

/** The resource binding the X25519 key results are encrypted to. */
export function resultKeyResource(publicKey: string): string {
  return `urn:datagora:result-key:${publicKey}`;
}

export interface JobSignInOptions {
  /** The node's endpoint URL; its host is the SIWE domain. */
  endpoint: string;
  chainId: number;
  jobId: bigint;
  resultKey?: string;
}

/** A fresh `Authorization` header value for `account` (a local account, or a browser wallet) on a job. */
export async function jobAuthorization(account: MessageSigner, options: JobSignInOptions): Promise<string> {
  const url = new URL(options.endpoint);
  const issuedAt = new Date();
  const message = createSiweMessage({
    domain: url.host,
    address: account.address,
    statement: `Submit and read Datagora compute job ${options.jobId}.`,
    uri: url.origin,
    version: '1',
    chainId: options.chainId,
    nonce: generateSiweNonce(),
    issuedAt,
    expirationTime: new Date(issuedAt.getTime() + LIFETIME_MS),
    resources: [jobResource(options.chainId, options.jobId), ...(options.resultKey ? [resultKeyResource(options.resultKey)] : [])],
  });
  const signature = await account.signMessage({ message });
  return `SIWE ${toBase64(new TextEncoder().encode(JSON.stringify({ message, signature })))}`;
}

/** Who signed a job request, and the result key it binds (if any). */
export interface JobSignIn {
  address: Address;
  resultKey?: string;
}

/**
 * Checks an `Authorization` header for job `jobId`: a valid, unexpired SIWE message for this node's host and
 * chain, naming the job. Throws ProviderRequestError 401/403.
 */
export async function verifyJobAuthorization(header: string | undefined, expected: { host: string; chainId: number; jobId: bigint }): Promise<JobSignIn> {
  const match = header?.match(/^SIWE ([A-Za-z0-9_-]+)$/);
  if (!match) throw new ProviderRequestError(401, 'auth-missing', 'this request needs `Authorization: SIWE <token>` signed by the job’s buyer (or, for its report and log, its dataset’s owner)', 'use the datagora CLI or SDK, which signs requests');
  let body: { message?: unknown; signature?: unknown };
  try {
    body = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8'));
  } catch {
    throw new ProviderRequestError(401, 'auth-malformed', 'the SIWE token is not base64url JSON');
  }
  if (typeof body.message !== 'string' || typeof body.signature !== 'string') throw new ProviderRequestError(401, 'auth-malformed', 'the SIWE token needs a message and a signature');
  const message = body.message;
  let signIn;
  try {
    const parsed = parseSiweMessage(message);
    signIn = await verifyAuthSig({ sig: body.signature as Hex, signedMessage: message, address: parsed.address ?? '0x0000000000000000000000000000000000000000', derivedVia: 'web3.eth.personal.sign' }, { domain: expected.host, chainId: expected.chainId });
  } catch (error) {
    if (error instanceof KeyRequestRejected) throw new ProviderRequestError(401, error.code, error.message, 'sign in again');
    throw error;
  }
  const resources = parseSiweMessage(message).resources ?? [];
  if (!resources.includes(jobResource(expected.chainId, expected.jobId))) {
    throw new ProviderRequestError(403, 'auth-wrong-job', `the sign-in does not name job ${expected.jobId}`);
  }
  const key = resources.find((r) => r.startsWith('urn:datagora:result-key:'));
  return { address: signIn.address, ...(key ? { resultKey: key.slice('urn:datagora:result-key:'.length) } : {}) };
}
