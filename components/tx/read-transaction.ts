/**
 * The transaction page's data: the configured explorer's page for it, or the transaction read from the chain and
 * decoded against the market's contracts. Never throws: a chain that does not answer comes back as a problem the
 * page can explain.
 */
import 'server-only';
import { BaseError, type Hex } from 'viem';
import { connectPublic, readDeployments } from '@/lib/chain';
import { marketContracts, readTransaction, type TransactionView } from '@/lib/chain/transaction';
import { loadConfig } from '@/lib/config';
import { DatagoraError } from '@/lib/errors';

export type TransactionPage =
  | { status: 'explorer'; url: string }
  | { status: 'not-found' }
  | { status: 'found'; view: TransactionView; stablecoin: { symbol: string; decimals: number } }
  | { status: 'unavailable'; message: string; hint: string };

export async function readTransactionPage(hash: Hex): Promise<TransactionPage> {
  try {
    const config = loadConfig();
    if (config.explorerUrl) return { status: 'explorer', url: `${config.explorerUrl}/tx/${hash}` };
    const deployments = readDeployments(config.deploymentsFile);
    const client = await connectPublic(config.chain.rpcUrl, deployments.chainId);
    const view = await readTransaction(client, marketContracts(deployments), hash);
    return view ? { status: 'found', view, stablecoin: deployments.stablecoin } : { status: 'not-found' };
  } catch (error) {
    if (error instanceof DatagoraError) return { status: 'unavailable', message: error.message, hint: error.hint };
    // viem's full messages span many lines of request details; the short one is what a visitor needs.
    const message = error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
    return { status: 'unavailable', message, hint: 'check the chain with `datagora health`' };
  }
}
