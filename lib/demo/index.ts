/**
 * Seeds a fresh local market: six demo datasets under different licences, published by dev accounts, with
 * a few purchases between them, all through the market SDK like a user would — one wash trade (an owner
 * funds an account that then buys their dataset) for the analytics' wash-trade filter to catch, a model
 * trained on the compute-only vitals, published as their derivative and sold once (royalties) — then two
 * hospitals' ICU vitals, each open to its own provider node only (federated training).
 */
import path from 'node:path';
import { isAddressEqual } from 'viem';
import { devAccount } from '../chain';
import type { Config } from '../config';
import { parsePrice } from '../licence/presets';
import { contractsOf } from '../contracts';
import { ComputeClient } from '../compute/buyer/client';
import { PROVIDER_DEV_ACCOUNT } from '../compute/provider/node';
import { Market } from '../market';
import { DEMO_DATASETS, writeDemoFile, type DemoDataset } from './datasets';
import { DEMO_HOSPITALS } from './hospitals';
import { seedDemoModel } from './model';

export { DEMO_DATASETS } from './datasets';
export { DEMO_HOSPITALS } from './hospitals';

/**
 * The dev account of the stack's second provider node (the first is {@link PROVIDER_DEV_ACCOUNT}'s). It is also
 * the demo's wash-trade buyer and a licence buyer: its operator signs only when its node starts, before the demo
 * buys anything, so the two never race for a nonce.
 */
export const SECOND_PROVIDER_DEV_ACCOUNT = 8;

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
  try {
    // The stack's own providers, registered before seeding: the demo's owners allow them all, but for the
    // hospitals, which each allow only their own.
    const registered = await new ComputeClient(await marketOf(DEMO_DATASETS[0]!.owner)).providers();
    const providers = registered.map((p) => p.id);
    const operatedBy = (account: number) => registered.filter((p) => isAddressEqual(p.owner, devAccount(account).address)).map((p) => p.id);
    const only = { first: operatedBy(PROVIDER_DEV_ACCOUNT), second: operatedBy(SECOND_PROVIDER_DEV_ACCOUNT) };

    const publish = async (dataset: DemoDataset, seed: number) => {
      const file = await writeDemoFile(dir, dataset, seed);
      const owner = await marketOf(dataset.owner);
      const decimals = owner.deployments.stablecoin.decimals;
      const allowed = dataset.onlyProvider ? only[dataset.onlyProvider] : providers;
      const { datasetId } = await owner.publish(
        file,
        { title: dataset.title, description: dataset.description, tags: dataset.tags, providers: allowed, ...(dataset.compute ? { compute: dataset.compute } : {}), ...(dataset.release ? { release: dataset.release } : {}) },
        { preset: dataset.licence, ...(dataset.revShareBps !== undefined ? { revShareBps: dataset.revShareBps } : {}) },
        { download: parsePrice(dataset.price, decimals), compute: parsePrice(dataset.computePrice ?? '0', decimals) },
      );
      log(`demo dataset ${datasetId}: "${dataset.title}" (${dataset.licence}) by account ${dataset.owner}${allowed.length > 0 ? `, providers ${allowed.join(', ')} allowed` : ''}`);
      for (const buyer of dataset.buyers) {
        await (await marketOf(buyer)).buyLicence(datasetId);
        log(`  account ${buyer} bought a licence`);
      }
      return datasetId;
    };

    const ids: bigint[] = [];
    for (const [i, dataset] of DEMO_DATASETS.entries()) ids.push(await publish(dataset, 1000 + i));
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
    for (const [i, hospital] of DEMO_HOSPITALS.entries()) await publish(hospital, 1000 + DEMO_DATASETS.length + i);
  } finally {
    await Promise.all([...markets.values()].map((m) => m.close()));
  }
}
