/**
 * The public facts the browser needs (lib/client/config.ts), read once per server process from the
 * configuration, the deployments and the key network's public description (every page's layout asks). Null
 * while the market is not deployed yet, asked again on the next page: pages then show their unavailable states
 * and the wallet stays off.
 */
import { readNetworkInfo } from '../../access/ceremony';
import { readDeployments } from '../../chain';
import type { ClientConfig } from '../../client/config';
import { loadConfig } from '../../config';

/** anvil's chain id, the embedded chain's. */
const ANVIL_CHAIN_ID = 31337;

let known: ClientConfig | undefined;

export function readClientConfig(): ClientConfig | null {
  if (known) return known;
  try {
    const config = loadConfig();
    const deployments = readDeployments(config.deploymentsFile);
    const keys = config.keyNetwork;
    const embedded = config.chain.adapter === 'anvil' && deployments.chainId === ANVIL_CHAIN_ID;
    known = {
      chainId: deployments.chainId,
      chainName: embedded ? 'Datagora local chain' : `Chain ${deployments.chainId}`,
      rpcUrl: config.chain.rpcUrl,
      contracts: deployments.contracts,
      stablecoin: { address: deployments.stablecoin.address, symbol: deployments.stablecoin.symbol, decimals: deployments.stablecoin.decimals },
      keyNetwork:
        keys.adapter === 'local'
          ? { kind: 'local', urls: keys.urls, threshold: keys.threshold, publicKey: readNetworkInfo(keys.dir).publicKey }
          : { kind: 'lit', network: keys.network },
      siwe: { domain: config.siweDomain, uri: config.web.url },
      devWallet: embedded,
      ...(config.web.walletConnectProjectId ? { walletConnectProjectId: config.web.walletConnectProjectId } : {}),
    };
    return known;
  } catch {
    return null;
  }
}
