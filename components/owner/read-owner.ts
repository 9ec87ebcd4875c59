/**
 * The server's half of the owner's desk: one dataset as the chain anchors it, with its verified current
 * document (what the owner's next version builds on) and, for datasets that run only approved algorithms,
 * the approval queue with the owner's standing answers.
 */
import 'server-only';
import type { OwnedDataset } from '@/lib/client/owner';
import { ComputeClient } from '@/lib/compute/client';
import { computeMarketAbi } from '@/lib/contracts';
import type { Market } from '@/lib/market';

async function approvalQueue(market: Market, id: bigint): Promise<NonNullable<OwnedDataset['approvals']>> {
  const [pending, answers] = await Promise.all([
    new ComputeClient(market).pendingAlgorithms(id),
    market.publicClient.getContractEvents({
      address: market.deployments.contracts.computeMarket,
      abi: computeMarketAbi,
      eventName: 'AlgorithmApprovalSet',
      args: { datasetId: id },
      fromBlock: BigInt(market.deployments.startBlock),
    }),
  ]);
  // Events come oldest first, so the map keeps each algorithm's latest answer.
  const rejected = new Map(answers.map((event) => [event.args.algorithmHash, event.args.approved === false]));
  return pending.map(({ algorithmHash, jobIds }) => ({ algorithmHash, jobIds: jobIds.map(String), rejected: rejected.get(algorithmHash) ?? false }));
}

export async function readOwnedDataset(market: Market, id: bigint): Promise<OwnedDataset> {
  const { owner, listed, version, metadataCid, document } = await market.getDataset(id);
  const approvals = document.compute?.algorithms === 'approved' ? await approvalQueue(market, id) : null;
  return { datasetId: id.toString(), owner, listed, version, metadataCid, document, approvals };
}
