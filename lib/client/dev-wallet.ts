/**
 * The dev wallet: an EIP-1193 provider over anvil's public test accounts, so a newcomer can click through the
 * market on the embedded chain with no browser extension. It signs in the page with viem (keys derived from
 * the well-known test mnemonic, which holds nothing on any real chain) and forwards reads to the RPC. Offered
 * only when the chain is the embedded anvil.
 */
import { createWalletClient, defineChain, hexToBigInt, http, numberToHex, type Hex, type HDAccount } from 'viem';
import { DEV_MNEMONIC } from '../chain/dev';
import type { ClientConfig } from './config';

/** Accounts offered: 1–8 (0 deploys the market, 9 runs the provider node). */
export const DEV_WALLET_ACCOUNTS = [1, 2, 3, 4, 5, 6, 7, 8] as const;
const STORAGE_KEY = 'datagora:dev-account';
/** Set once the visitor connects: like a real wallet, accounts are shown to the page only after that. */
const CONNECTED_KEY = 'datagora:dev-connected';
const DEFAULT_ACCOUNT = 2;

type Listener = (...args: unknown[]) => void;

interface RpcRequest {
  method: string;
  params?: unknown[];
}

/** A JSON-RPC error as wallets raise them (EIP-1193 codes). */
class ProviderRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class DevWalletProvider {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly accounts = new Map<number, Promise<HDAccount>>();
  private index: number;
  private nextId = 1;

  constructor(private readonly config: Pick<ClientConfig, 'chainId' | 'chainName' | 'rpcUrl'>) {
    const stored = Number(globalThis.localStorage?.getItem(STORAGE_KEY));
    this.index = (DEV_WALLET_ACCOUNTS as readonly number[]).includes(stored) ? stored : DEFAULT_ACCOUNT;
  }

  /** The dev account in use (its index in the test mnemonic). */
  get accountIndex(): number {
    return this.index;
  }

  /** Switches to dev account `index`, telling the page as a wallet would (accountsChanged). */
  async useAccount(index: number): Promise<void> {
    this.index = index;
    globalThis.localStorage?.setItem(STORAGE_KEY, String(index));
    this.emit('accountsChanged', [(await this.account()).address]);
  }

  private account(): Promise<HDAccount> {
    let account = this.accounts.get(this.index);
    if (!account) {
      const addressIndex = this.index;
      // Loaded on first use: key derivation code stays out of pages that never connect the dev wallet.
      account = import('viem/accounts').then(({ mnemonicToAccount }) => mnemonicToAccount(DEV_MNEMONIC, { addressIndex }));
      this.accounts.set(addressIndex, account);
    }
    return account;
  }

  on(event: string, listener: Listener): void {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(listener);
  }

  removeListener(event: string, listener: Listener): void {
    this.listeners.get(event)?.delete(listener);
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }

  async request({ method, params = [] }: RpcRequest): Promise<unknown> {
    switch (method) {
      case 'eth_requestAccounts':
        globalThis.localStorage?.setItem(CONNECTED_KEY, '1');
        return [(await this.account()).address];
      case 'eth_accounts':
        return globalThis.localStorage?.getItem(CONNECTED_KEY) ? [(await this.account()).address] : [];
      case 'eth_chainId':
        return numberToHex(this.config.chainId);
      case 'wallet_requestPermissions':
      case 'wallet_getPermissions':
        return [{ parentCapability: 'eth_accounts' }];
      case 'wallet_revokePermissions':
        globalThis.localStorage?.removeItem(CONNECTED_KEY);
        return null;
      case 'wallet_switchEthereumChain': {
        const [{ chainId }] = params as [{ chainId: Hex }];
        if (Number(chainId) !== this.config.chainId) throw new ProviderRpcError(4902, `the dev wallet knows only chain ${this.config.chainId}`);
        return null;
      }
      case 'personal_sign': {
        const [message] = params as [Hex];
        return (await this.account()).signMessage({ message: { raw: message } });
      }
      case 'eth_signTypedData_v4': {
        const [, typed] = params as [string, string];
        return (await this.account()).signTypedData(JSON.parse(typed) as Parameters<HDAccount['signTypedData']>[0]);
      }
      case 'eth_sendTransaction':
        return this.sendTransaction((params as [TransactionRequest])[0]);
      default:
        return this.forward(method, params);
    }
  }

  private async sendTransaction(tx: TransactionRequest): Promise<Hex> {
    const chain = defineChain({
      id: this.config.chainId,
      name: this.config.chainName,
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [this.config.rpcUrl] } },
    });
    const wallet = createWalletClient({ account: await this.account(), chain, transport: http(this.config.rpcUrl) });
    return wallet.sendTransaction({
      to: tx.to ?? undefined,
      data: tx.data,
      value: tx.value ? hexToBigInt(tx.value) : undefined,
      gas: tx.gas ? hexToBigInt(tx.gas) : undefined,
    });
  }

  /** Everything that needs no key goes to the chain's RPC as it is. */
  private async forward(method: string, params: unknown[]): Promise<unknown> {
    const response = await fetch(this.config.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw Object.assign(new ProviderRpcError(body.error.code, body.error.message), { data: body.error.data });
    return body.result;
  }
}

interface TransactionRequest {
  to?: Hex | null;
  data?: Hex;
  value?: Hex;
  gas?: Hex;
}
