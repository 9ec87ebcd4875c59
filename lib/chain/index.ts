/**
 * The chain subsystem: an EVM node (embedded anvil or any RPC), the market's deployments on it, and clients.
 */
import type { ChainConfig } from '../config';
import { AnvilChain } from './anvil';
import { RpcChain } from './rpc';
import type { ChainAdapter } from './types';

/** The adapter the configuration selects. */
export function createChain(config: ChainConfig, onLog?: (line: string) => void): ChainAdapter {
  return config.adapter === 'anvil'
    ? new AnvilChain({ host: config.host, port: config.port, stateDir: config.stateDir, onLog, portVariable: 'DATAGORA_ANVIL_PORT' })
    : new RpcChain(config.rpcUrl);
}

export type { ChainAdapter } from './types';
export { AnvilChain } from './anvil';
export { RpcChain } from './rpc';
export * from './account';
export * from './clients';
export * from './deploy';
export * from './deployments';
export * from './dev';
export * from './errors';
