/**
 * A real local key network for tests: a fresh anvil market, the key ceremony in a temporary directory, n key
 * nodes as HTTP services on free ports, and the client the configuration opens — plus the chain steps the
 * scenarios need (publish, buy a licence).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { maxUint256, parseEventLogs, type Hash } from 'viem';
import { openKeyNetwork, type KeyNetwork } from '@/lib/access';
import { ensureKeyNetwork, type NetworkInfo } from '@/lib/access/ceremony';
import { startKeyNode, type KeyNode } from '@/lib/access/node';
import { loadConfig, type Config } from '@/lib/config';
import { contractsOf, datasetRegistryAbi, type LicenceTerms } from '@/lib/contracts';
import { licenceTerms } from '@/lib/licence';
import { startTestMarket, type TestMarket } from '../helpers/market';
import { metadataPointer } from '../helpers/terms';

export interface KeyNetworkFixture {
  market: TestMarket;
  config: Config;
  dir: string;
  info: NetworkInfo;
  /** The client `openKeyNetwork` gives for this configuration. */
  keys: KeyNetwork;
  /** Node i's URL (it keeps its port across restarts). */
  urls: string[];
  /** Publishes a dataset as dev account `owner` with default terms and `overrides`; returns its id. */
  publish(owner: number, overrides?: Partial<LicenceTerms>): Promise<bigint>;
  /** Dev account `buyer` buys a download licence to `datasetId`. */
  buy(buyer: number, datasetId: bigint): Promise<void>;
  stopNode(index: number): Promise<void>;
  /** Starts node `index` again on its port, with the state it left in `dir`. */
  startNode(index: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startKeyNetworkFixture(options: { nodes?: number; threshold?: number } = {}): Promise<KeyNetworkFixture> {
  const nodes = options.nodes ?? 3;
  const threshold = options.threshold ?? 2;
  const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-access-'));
  const market = await startTestMarket();
  const running = new Map<number, KeyNode>();
  try {
    const base = loadConfig({
      DATAGORA_HOME: home,
      DATAGORA_CHAIN: 'rpc',
      DATAGORA_RPC_URL: market.chain.rpcUrl,
      DATAGORA_KEYNODES: String(nodes),
      DATAGORA_KEYNODE_THRESHOLD: String(threshold),
    });
    if (base.keyNetwork.adapter !== 'local') throw new Error('the fixture needs the local key network');
    const network = base.keyNetwork;
    const info = await ensureKeyNetwork(network.dir, nodes, threshold);
    const start = async (index: number, port: number) => {
      const node = await startKeyNode({
        index,
        dir: network.dir,
        host: '127.0.0.1',
        port,
        rpcUrl: market.chain.rpcUrl,
        chainId: market.deployments.chainId,
        siweDomain: base.siweDomain,
      });
      running.set(index, node);
      return node.url;
    };
    // Port 0: each node gets a free port, which the configuration then names.
    const urls: string[] = [];
    for (let index = 0; index < nodes; index++) urls.push(await start(index, 0));
    const config: Config = { ...base, keyNetwork: { ...network, urls } };
    const keys = await openKeyNetwork(config, market.deployments);

    const contracts = contractsOf(market.deployments);
    const mined = async (hash: Hash) => {
      const receipt = await market.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 25 });
      if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
      return receipt;
    };
    return {
      market,
      config,
      dir: network.dir,
      info,
      keys,
      urls,
      async publish(owner, overrides = {}) {
        const wallet = market.wallet(owner);
        const reservation = await mined(await wallet.writeContract({ ...contracts.registry, functionName: 'reserveDatasetId' }));
        const [reserved] = parseEventLogs({ abi: datasetRegistryAbi, logs: reservation.logs, eventName: 'DatasetIdReserved' });
        if (!reserved) throw new Error('DatasetIdReserved missing');
        const { datasetId } = reserved.args;
        const terms = licenceTerms({ currency: market.deployments.stablecoin.address, ...overrides });
        await mined(
          await wallet.writeContract({
            ...contracts.registry,
            functionName: 'publishWithTerms',
            args: [metadataPointer(`access-${datasetId}`), terms, datasetId],
          }),
        );
        return datasetId;
      },
      async buy(buyer, datasetId) {
        const wallet = market.wallet(buyer);
        const { termsId } = await market.publicClient.readContract({ ...contracts.registry, functionName: 'getDataset', args: [datasetId] });
        await mined(await wallet.writeContract({ ...contracts.stablecoin, functionName: 'approve', args: [contracts.marketplace.address, maxUint256] }));
        await mined(await wallet.writeContract({ ...contracts.marketplace, functionName: 'buyLicence', args: [datasetId, termsId, maxUint256] }));
      },
      async stopNode(index) {
        await running.get(index)?.stop();
        running.delete(index);
      },
      async startNode(index) {
        await start(index, Number(new URL(urls[index]!).port));
      },
      async stop() {
        await keys.close();
        await Promise.all([...running.values()].map((node) => node.stop()));
        await market.stop();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all([...running.values()].map((node) => node.stop()));
    await market.stop();
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}
