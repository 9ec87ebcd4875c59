/**
 * The server's half of the owner's desk: one dataset as the chain anchors it, with its verified current
 * document (what the owner's next version builds on), for datasets that run only approved algorithms the
 * approval queue with the owner's standing answers, and for datasets that take compute jobs the providers
 * the owner allows or may allow and, from the indexer, the release budget with what each buyer's jobs released.
 */
import type { OwnedDataset, ProviderAllowance } from '../../client/owner';
import { ComputeClient } from '../../compute/buyer/client';
import { allowedProviders } from '../../compute/buyer/quote';
import { contractsOf } from '../../contracts';
import type { IndexerClient } from '../../indexer/client';
import type { Market } from '../../market';
import { providerView } from './dataset';

async function approvalQueue(market: Market, id: bigint): Promise<NonNullable<OwnedDataset['approvals']>> {
  const [pending, answers] = await Promise.all([
    new ComputeClient(market).pendingAlgorithms(id),
    market.publicClient.getContractEvents({
      ...contractsOf(market.deployments).computeMarket,
      eventName: 'AlgorithmApprovalSet',
      args: { datasetId: id },
      fromBlock: BigInt(market.deployments.startBlock),
    }),
  ]);
  // Events come oldest first, so the map keeps each algorithm's latest answer.
  const rejected = new Map(answers.map((event) => [event.args.algorithmHash, event.args.approved === false]));
  return pending.map(({ algorithmHash, jobIds }) => ({ algorithmHash, jobIds: jobIds.map(String), rejected: rejected.get(algorithmHash) ?? false }));
}

/** Every active provider, and any retired one still allowed, with whether the owner allows it on `id`. */
async function providerAllowances(market: Market, id: bigint): Promise<ProviderAllowance[]> {
  const providers = await new ComputeClient(market).providers();
  const allowed = await allowedProviders(market.publicClient, market.deployments.contracts.computeMarket, id, providers.map((p) => p.id));
  return providers
    .map((p) => ({ ...providerView(market, p), active: p.active, allowed: allowed.includes(p.id) }))
    .filter((p) => p.active || p.allowed);
}

export async function readOwnedDataset(market: Market, indexer: IndexerClient, id: bigint): Promise<OwnedDataset> {
  const { owner, listed, version, metadataCid, document, terms } = await market.getDataset(id);
  const computable = terms.computeOnly || terms.computePrice > 0n;
  const [approvals, providers, releases] = await Promise.all([
    document.compute?.algorithms === 'approved' ? approvalQueue(market, id) : null,
    computable ? providerAllowances(market, id) : null,
    computable ? indexer.releases(id) : null,
  ]);
  return { datasetId: id.toString(), owner, listed, version, metadataCid, document, approvals, providers, releases };
}
