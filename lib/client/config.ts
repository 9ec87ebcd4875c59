/**
 * What the web app's pages know about the market: everything public a browser needs to act on it with the
 * visitor's wallet. The server fills it from the configuration and the deployments (components/wallet), and
 * nothing in it is secret.
 */
import type { Address } from 'viem';

export interface ClientConfig {
  chainId: number;
  chainName: string;
  /** An RPC URL the browser can reach (the embedded anvil answers any origin). */
  rpcUrl: string;
  contracts: { datasetRegistry: Address; marketplace: Address; computeMarket: Address };
  stablecoin: { address: Address; symbol: string; decimals: number };
  keyNetwork: { kind: 'local'; urls: string[]; threshold: number; publicKey: string } | { kind: 'lit'; network: string };
  /** The domain and URI key nodes expect in sign-ins. */
  siwe: { domain: string; uri: string };
  /** The chain is the embedded anvil: offer the dev wallet, whose keys are anvil's public test keys. */
  devWallet: boolean;
  /** WalletConnect is offered only with a project id (DATAGORA_WALLETCONNECT_PROJECT_ID). */
  walletConnectProjectId?: string;
}
