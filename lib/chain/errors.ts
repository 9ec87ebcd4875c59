import { DatagoraError, UnavailableError } from '../errors';

/** The RPC endpoint did not answer. */
export class ChainUnreachableError extends UnavailableError {
  constructor(rpcUrl: string, cause?: unknown) {
    super(`no EVM node answers at ${rpcUrl}`, 'start the chain (npm start) or fix DATAGORA_RPC_URL', { cause });
  }
}

/** The RPC endpoint serves another chain than the deployments file was written for. */
export class WrongChainError extends DatagoraError {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      `the RPC serves chain ${actual} but the deployments are for chain ${expected}`,
      'point DATAGORA_RPC_URL at the right chain, or DATAGORA_DEPLOYMENTS at the file for this chain',
    );
  }
}

/** The deployments file is missing or malformed. */
export class DeploymentsError extends DatagoraError {
  constructor(file: string, problem: string, cause?: unknown) {
    super(`deployments file ${file}: ${problem}`, 'run `datagora deploy` (or `npm start` for the local chain) to write it', {
      cause,
    });
  }
}

/** The embedded chain could not be started. */
export class ChainStartError extends DatagoraError {
  constructor(problem: string, cause?: unknown) {
    super(`anvil did not start: ${problem}`, 'check the log lines above; DATAGORA_ANVIL_PORT moves its port', { cause });
  }
}
