/** The chain adapter's interface, kept apart from the factory in ./index so that the adapters import it without a circle. */

/** A chain the market runs on. */
export interface ChainAdapter {
  readonly kind: 'anvil' | 'rpc';
  readonly rpcUrl: string;
  /** Starts what runs locally (anvil) or checks the remote endpoint answers. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** For a local process: settles when it exits. */
  readonly exited?: Promise<void>;
}
