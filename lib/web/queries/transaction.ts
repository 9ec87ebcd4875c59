/**
 * The transaction page's data: the configured explorer's page for it, or the transaction read from the chain and
 * decoded against the market's contracts. Never throws: a chain that does not answer comes back as a problem the
 * page can explain.
 */
import type { Hex } from 'viem';
import { marketContracts, readTransaction, type TransactionView } from '../../chain/transaction';
import { loadConfig } from '../../config';
import { problemOf, type Problem } from './problem';
import { deployments as readDeployments, publicClient } from '../services';

export type TransactionPage =
  | { status: 'explorer'; url: string }
  | { status: 'not-found' }
  | { status: 'found'; view: TransactionView; stablecoin: { symbol: string; decimals: number } }
  | ({ status: 'unavailable' } & Problem);

export async function readTransactionPage(hash: Hex): Promise<TransactionPage> {
  try {
    const { explorerUrl } = loadConfig();
    if (explorerUrl) return { status: 'explorer', url: `${explorerUrl}/tx/${hash}` };
    const deployments = await readDeployments();
    const view = await readTransaction(await publicClient(), marketContracts(deployments), hash);
    return view ? { status: 'found', view, stablecoin: deployments.stablecoin } : { status: 'not-found' };
  } catch (error) {
    return { status: 'unavailable', ...problemOf(error, 'check the chain with `datagora health`') };
  }
}
