/**
 * wagmi's configuration for the market's one chain: the injected wallet (any browser extension), the dev
 * wallet on the embedded chain, and WalletConnect only when a project id is configured.
 */
import { connectorsForWallets, type Wallet, type WalletList } from '@rainbow-me/rainbowkit';
import { injectedWallet, walletConnectWallet } from '@rainbow-me/rainbowkit/wallets';
import { defineChain, type EIP1193Provider } from 'viem';
import { createConfig, createConnector, http } from 'wagmi';
import { injected } from 'wagmi/connectors';
import type { ClientConfig } from '@/lib/client/config';
import { DevWalletProvider } from '@/lib/client/dev-wallet';

export const DEV_WALLET_ID = 'datagora-dev';

const DEV_WALLET_ICON =
  'data:image/svg+xml,' +
  encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 28 28"><rect width="28" height="28" rx="6" fill="#4f46e5"/><path d="M8 10h12v9H8z" fill="none" stroke="#fff" stroke-width="2"/><path d="M17 14.5h3" stroke="#fff" stroke-width="2"/></svg>');

export function marketChain(config: ClientConfig) {
  return defineChain({
    id: config.chainId,
    name: config.chainName,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
}

function devWallet(provider: DevWalletProvider): () => Wallet {
  return () => ({
    id: DEV_WALLET_ID,
    name: 'Dev wallet (local chain)',
    iconUrl: DEV_WALLET_ICON,
    iconBackground: '#4f46e5',
    installed: true,
    createConnector: (details) =>
      createConnector((config) => ({
        ...injected({ target: { id: DEV_WALLET_ID, name: 'Dev wallet', provider: provider as unknown as EIP1193Provider }, shimDisconnect: true })(config),
        ...details,
      })),
  });
}

export function createWagmiConfig(config: ClientConfig, devProvider: DevWalletProvider | null) {
  const chain = marketChain(config);
  const wallets: WalletList = [
    {
      groupName: 'Wallets',
      wallets: [...(devProvider ? [devWallet(devProvider)] : []), injectedWallet, ...(config.walletConnectProjectId ? [walletConnectWallet] : [])],
    },
  ];
  // RainbowKit requires a project id even when no wallet uses WalletConnect; none is contacted then.
  const connectors = connectorsForWallets(wallets, { appName: 'Datagora', projectId: config.walletConnectProjectId ?? 'not-configured' });
  return createConfig({ chains: [chain], connectors, transports: { [chain.id]: http(config.rpcUrl) }, ssr: true });
}
