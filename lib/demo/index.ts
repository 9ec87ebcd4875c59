/**
 * Seeds a fresh local market: six demo datasets under different licences, published by dev accounts, with
 * a few purchases between them, all through the market SDK like a user would — one wash trade (an owner
 * funds an account that then buys their dataset) for the analytics' wash-trade filter to catch, and a model
 * trained on the compute-only vitals, published as their derivative and sold once (royalties).
 */
import path from 'node:path';
import { devAccount } from '../chain';
import type { Config } from '../config';
import { parsePrice } from '../licence/presets';
import { contractsOf } from '../contracts';
import { Market } from '../market';
import { DEMO_DATASETS, writeDemoFile } from './datasets';
import { seedDemoModel } from './model';

export { DEMO_DATASETS } from './datasets';

/** Publishes the demo datasets and their purchases; `log` gets one line per step. */
export async function seedDemoMarket(config: Config, log: (line: string) => void): Promise<void> {
  const dir = path.join(config.home, 'demo');
  const markets = new Map<number, Market>();
  const marketOf = async (index: number) => {
    let market = markets.get(index);
    if (!market) {
      market = await Market.open(config, { account: devAccount(index) });
      markets.set(index, market);
    }
    return market;
  };
  const ids: bigint[] = [];
  try {
    // The stack's own provider, registered before seeding: the demo's owners allow it on every dataset.
    const reader = await marketOf(DEMO_DATASETS[0]!.owner);
    const providerCount = await reader.publicClient.readContract({ ...contractsOf(reader.deployments).computeMarket, functionName: 'providerCount' });
    const providers = Array.from({ length: Number(providerCount) }, (_, i) => BigInt(i + 1));
    for (const [i, dataset] of DEMO_DATASETS.entries()) {
      const file = await writeDemoFile(dir, dataset, 1000 + i);
      const owner = await marketOf(dataset.owner);
      const decimals = owner.deployments.stablecoin.decimals;
      const { datasetId } = await owner.publish(
        file,
        { title: dataset.title, description: dataset.description, tags: dataset.tags, providers, ...(dataset.compute ? { compute: dataset.compute } : {}), ...(dataset.release ? { release: dataset.release } : {}) },
        { preset: dataset.licence, ...(dataset.revShareBps !== undefined ? { revShareBps: dataset.revShareBps } : {}) },
        { download: parsePrice(dataset.price, decimals), compute: parsePrice(dataset.computePrice ?? '0', decimals) },
      );
      ids.push(datasetId);
      log(`demo dataset ${datasetId}: "${dataset.title}" (${dataset.licence}) by account ${dataset.owner}${providers.length > 0 ? `, providers ${providers.join(', ')} allowed` : ''}`);
      for (const buyer of dataset.buyers) {
        await (await marketOf(buyer)).buyLicence(datasetId);
        log(`  account ${buyer} bought a licence`);
      }
    }
    const washed = DEMO_DATASETS.findIndex((d) => d.washBuyer !== undefined);
    const { owner, washBuyer, price } = DEMO_DATASETS[washed]!;
    const seller = await marketOf(owner);
    await seller.send(`fund account ${washBuyer}`, {
      ...contractsOf(seller.deployments).stablecoin,
      functionName: 'transfer',
      args: [devAccount(washBuyer!).address, parsePrice(price, seller.deployments.stablecoin.decimals)],
    });
    await (await marketOf(washBuyer!)).buyLicence(ids[washed]!);
    log(`  account ${owner} sent account ${washBuyer} ${price} ${seller.deployments.stablecoin.symbol}, which bought dataset ${ids[washed]} with it (a wash trade)`);
    // The demo's model needs the stack's provider to train it; a market without one has no model.
    const vitals = DEMO_DATASETS.findIndex((d) => d.licence === 'compute-only');
    if (providers.length > 0) await seedDemoModel(dir, ids[vitals]!, marketOf, log);
  } finally {
    await Promise.all([...markets.values()].map((m) => m.close()));
  }
}
