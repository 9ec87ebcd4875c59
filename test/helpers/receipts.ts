/** A compute receipt without running a job: for the tests that check receipts, their files and proofs of their outputs. */
import { privateKeyToAccount } from 'viem/accounts';
import type { Receipt } from '@/lib/compute/receipt';
import { filesHash, filesRoot, type ResultFile } from '@/lib/compute/results';
import type { ResultDomain } from '@/lib/compute/settlement';

/** The node key that signs the receipts (anvil's account 1). */
export const RECEIPT_NODE = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
/** The market the receipts are for. */
export const RECEIPT_MARKET: ResultDomain = { chainId: 31337, computeMarket: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0' };

/** The receipt of job 7 on dataset 3, finished and delivered in a minute, naming `outputs` and no logs. */
export function receiptOf(outputs: readonly ResultFile[]): Receipt {
  return {
    jobId: '7',
    datasetId: '3',
    datasetCid: 'bafy-data',
    algorithmHash: `0x${'ab'.repeat(32)}`,
    outputHash: filesHash(outputs),
    outputsRoot: filesRoot(outputs),
    logsHash: filesHash([]),
    resultsCid: 'bafy-results',
    status: 'finished',
    reason: '',
    exitCode: 0,
    minutesUsed: 1,
    delivered: true,
    environment: 0,
    hardware: 'cpu 2 CPUs',
    nodeVersion: 'test',
    startedAt: '1700000000',
    finishedAt: '1700000060',
  };
}
