/**
 * Gathering signature shares from key nodes, for any client (Node or the browser): `threshold` nodes picked at
 * random are asked in parallel (each request signed for its node, lib/access/session.ts), and one more for
 * each that fails, or all the others when the first are slow. Settled with the first `threshold` shares that
 * pass `accept`, or as soon as the nodes left cannot make up the threshold. Asking only as many nodes as
 * needed spares each node a third of the work in a 2-of-3 network. No Node-only imports: the web app's pages
 * run this too.
 */
import type { BlsSignatureShare } from './bls';
import { AccessDeniedError, KeyNetworkUnavailableError, type NodeFailure } from './errors';
import { ENCRYPTION_SIGN_PATH, refusalSchema, shareResponseSchema, type ShareRequest } from './protocol';

export interface ShareSource {
  /** Node i's URL at position i. */
  urls: string[];
  threshold: number;
  /** How long to wait for a node before counting it as unavailable. */
  timeoutMs: number;
  /**
   * Checks node `index`'s share of `identity` before it counts (the Node client verifies it against the node's
   * share key). Without it a bad share is caught when the combined signature fails to verify.
   */
  accept?: (share: BlsSignatureShare, index: number) => boolean;
}

/** After this long without `threshold` shares, the nodes not asked yet are asked too. */
export const HEDGE_AFTER_MS = 1_000;

type NodeOutcome = { share: BlsSignatureShare } | { failure: NodeFailure };

const describe = (error: unknown) => (error instanceof Error ? ((error.cause instanceof Error && error.cause.message) || error.message) : String(error));

/**
 * Asks node i for its share of `identity` with `requests[i]`. Throws AccessDeniedError when nodes refuse and
 * none releases a share, KeyNetworkUnavailableError when too few answer.
 */
export function collectShares(source: ShareSource, requests: ShareRequest[], identity: string): Promise<BlsSignatureShare[]> {
  const ask = async (url: string, index: number, signal: AbortSignal): Promise<NodeOutcome> => {
    const fail = (status: number, code: string, reason: string): NodeOutcome => ({ failure: { url, status, code, reason } });
    let response: Response;
    try {
      const body = JSON.stringify(requests[index]);
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
    // Settled already (threshold met or impossible): spare the check.
    if (signal.aborted) return fail(response.status, 'not-needed', 'arrived after the decision');
    const { signatureShare, dataSigned } = parsed.data;
    if (dataSigned !== identity || (source.accept && !source.accept(signatureShare, index))) {
      return fail(response.status, 'bad-share', 'the node’s share does not verify against its share key');
    }
    return { share: signatureShare };
  };

  const cancel = new AbortController();
  const signal = AbortSignal.any([cancel.signal, AbortSignal.timeout(source.timeoutMs)]);
  // Starting at a random node spreads the clients over the nodes.
  const start = Math.floor(Math.random() * source.urls.length);
  const unasked = source.urls.map((_, i) => (start + i) % source.urls.length).map((index) => ({ url: source.urls[index]!, index }));
  return new Promise((resolve, reject) => {
    const shares: BlsSignatureShare[] = [];
    const failures: NodeFailure[] = [];
    let pending = 0;
    let settled = false;
    const hedge = setTimeout(() => {
      while (!settled && unasked.length > 0) askNext();
    }, HEDGE_AFTER_MS);
    const settle = (outcome: () => void) => {
      settled = true;
      clearTimeout(hedge);
      cancel.abort(); // the shares still on their way are not needed
      outcome();
    };
    const askNext = () => {
      const node = unasked.shift();
      if (!node) return;
      pending++;
      void ask(node.url, node.index, signal).then((outcome) => {
        pending--;
        if (settled) return;
        if ('share' in outcome) shares.push(outcome.share);
        else {
          failures.push(outcome.failure);
          askNext();
        }
        if (shares.length >= source.threshold) settle(() => resolve(shares));
        else if (shares.length + pending + unasked.length < source.threshold) {
          // Nodes refusing while none grants means the account may not decrypt; otherwise nodes are missing.
          const refusals = failures.filter((failure) => failure.status === 403);
          const account = requests[0]?.authSig.address ?? 'the account';
          settle(() => reject(shares.length === 0 && refusals.length > 0 ? new AccessDeniedError(account, refusals) : new KeyNetworkUnavailableError(shares.length, source.threshold, failures)));
        }
      });
    };
    for (let i = 0; i < source.threshold; i++) askNext();
  });
}
