/** Errors of the key network: what went wrong with a data key, and what to do about it. */
import { DatagoraError, UnavailableError } from '../errors';

/** The one-time key ceremony cannot run, or its results on disk are missing, incomplete or unsafe. */
export class KeyCeremonyError extends DatagoraError {
  constructor(problem: string, hint: string, cause?: unknown) {
    super(`key ceremony: ${problem}`, hint, { cause });
  }
}

/** A key envelope or data key is malformed, or belongs to another key network. */
export class KeyEnvelopeError extends DatagoraError {
  constructor(problem: string, hint = 're-read the dataset metadata: the envelope must be the one its publisher wrote') {
    super(`key envelope: ${problem}`, hint);
  }
}

/** Why one node gave no share: the HTTP status (0 if unreachable), a stable code and a sentence. */
export interface NodeFailure {
  url: string;
  status: number;
  code: string;
  reason: string;
}

/** Refusal codes that come from the SIWE sign-in or its session rather than from the access conditions. */
const SIGN_IN_CODE = /^(siwe|session)-/;

/** Enough key nodes refused to release a share that the threshold cannot be met. */
export class AccessDeniedError extends DatagoraError {
  constructor(
    readonly account: string,
    readonly refusals: NodeFailure[],
  ) {
    const reasons = [...new Set(refusals.map((refusal) => refusal.reason))];
    const bySiwe = refusals.every((refusal) => SIGN_IN_CODE.test(refusal.code));
    super(
      `${refusals.length} key node${refusals.length === 1 ? '' : 's'} refused ${account}: ${reasons.join(' / ')}`,
      bySiwe
        ? "the sign-in or its session was refused: check this machine's clock and that DATAGORA_SIWE_DOMAIN matches the key nodes', then open a new session"
        : 'the account must own the dataset or hold an unexpired licence to it: buy (or renew) a licence, then try again',
    );
  }
}

/** A key session cannot be used for a request: it does not list the data, or it has expired. */
export class KeySessionError extends DatagoraError {
  constructor(problem: string) {
    super(`key session: ${problem}`, 'open a new session for the datasets to decrypt (one wallet signature covers them all)');
  }
}

/** Too few key nodes answered with a valid share: some are down, unreachable or failing. */
export class KeyNetworkUnavailableError extends UnavailableError {
  constructor(
    readonly answered: number,
    readonly needed: number,
    readonly failures: NodeFailure[],
  ) {
    const detail = failures.map((failure) => `${failure.url}: ${failure.reason}`).join('; ');
    super(
      `only ${answered} of the ${needed} key node shares needed arrived (${detail})`,
      'start the key nodes (`npm start` runs them) and check DATAGORA_KEYNODE_PORT and DATAGORA_KEYNODES match where they listen',
    );
  }
}

/** The shares combined, but the ciphertext did not open with them: the envelope was altered or is foreign. */
export class DecryptionFailedError extends DatagoraError {
  constructor(cause: unknown) {
    super(
      'the key envelope does not open with the key network’s shares: its conditions or ciphertext were altered, or another key network wrote it',
      're-read the dataset metadata; if it persists, the publisher must wrap the data key again',
      { cause },
    );
  }
}

/** The real Lit network did not answer within the connect timeout. */
export class LitNetworkUnreachableError extends UnavailableError {
  constructor(network: string, cause?: unknown) {
    super(
      `the Lit network ${network} is unreachable`,
      'check the internet connection, or set DATAGORA_KEY_NETWORK=local to use the local key nodes',
      { cause },
    );
  }
}

/** Lit's nodes cannot read the chain the market is deployed on (e.g. a local anvil chain). */
export class LitChainUnsupportedError extends DatagoraError {
  constructor(chainId: number) {
    super(
      `the Lit network cannot evaluate access conditions on chain ${chainId}`,
      'deploy the market to a chain Lit supports (e.g. Base Sepolia), or set DATAGORA_KEY_NETWORK=local',
    );
  }
}

/**
 * A key node turns a share request down. `status` is the HTTP status it answers with: 400 for a malformed
 * request, 403 for a refusal (sign-in or access conditions), 503 when it cannot reach its chain.
 */
export class KeyRequestRejected extends DatagoraError {
  constructor(
    readonly status: 400 | 403 | 503,
    readonly code: string,
    reason: string,
  ) {
    super(
      reason,
      status === 403
        ? 'sign in again with an account that meets the access conditions'
        : status === 503
          ? "check the key node's chain RPC"
          : 'send a request shaped like Lit’s /web/encryption/sign',
    );
  }
}
