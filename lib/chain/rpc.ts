/** The production chain adapter: any EVM JSON-RPC endpoint, started and run by someone else. */
import { fetchChainId } from './clients';
import type { ChainAdapter } from './types';

export class RpcChain implements ChainAdapter {
  readonly kind = 'rpc';

  constructor(readonly rpcUrl: string) {}

  /** Nothing to start: checks the endpoint answers. */
  async start(): Promise<void> {
    await fetchChainId(this.rpcUrl);
  }

  async stop(): Promise<void> {}
}
