/**
 * The visitor's wallet as the browser flows use it: the chain through a public client, writes and signatures
 * through the wallet client wagmi gives (an extension, WalletConnect or the dev wallet), and every step of a
 * transaction reported so the page can show it.
 */
import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from 'viem';
import type { MessageSigner } from '../access/siwe';
import { DatagoraError } from '../errors';
import type { DocumentSigner } from '../metadata/signing';
import { sendWrite, type SentWrite, type WritePhase, type WriteRequest } from '../market/send';
import type { ClientConfig } from './config';

export interface BrowserWallet {
  config: ClientConfig;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** Each step of each transaction, for the page's pending / confirmed feedback. */
  onPhase?: (phase: WritePhase) => void;
}

export function addressOf(wallet: BrowserWallet): Address {
  return wallet.walletClient.account.address;
}

export function send(wallet: BrowserWallet, action: string, request: WriteRequest): Promise<SentWrite> {
  return sendWrite(wallet.publicClient, wallet.walletClient, action, request, wallet.onPhase);
}

/** The wallet seen as the signer sign-ins and documents take. */
export function signer(wallet: BrowserWallet): MessageSigner & DocumentSigner {
  const { walletClient } = wallet;
  const account = walletClient.account;
  return {
    address: account.address,
    signMessage: ({ message }) => walletClient.signMessage({ account, message }),
    signTypedData: (typed) => walletClient.signTypedData({ account, ...typed } as Parameters<typeof walletClient.signTypedData>[0]),
  };
}

/** JSON from one of the web app's routes, or the typed failure it answered, re-raised with its hint. */
export async function callApi<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  const body = (await response.json().catch(() => ({}))) as T & { error?: string; message?: string; hint?: string };
  if (!response.ok) throw new ApiError(body.error ?? `HTTP ${response.status}`, body.message ?? `${path} answered HTTP ${response.status}`, body.hint ?? 'retry; if it persists, see the server log');
  return body;
}

/** A route of the web app refused a request; carries the server's error name and hint. */
export class ApiError extends DatagoraError {
  constructor(
    readonly errorName: string,
    message: string,
    hint: string,
  ) {
    super(message, hint);
  }
}
