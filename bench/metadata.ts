/**
 * The two metadata adapters side by side: signing and storing a dataset's first version, an update, and a
 * verified read, as DAG-JSON blocks on the embedded Helia node (through its Kubo RPC API, as the market reaches
 * it) and as commits of a Ceramic stream on a real js-ceramic node (scripts/ceramic-node). Ceramic figures are
 * also given as a ratio to IPFS measured in the same run. Each figure is the median of `rounds` datasets,
 * after one warm-up dataset per store (the Ceramic session is signed then).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { CeramicMetadataStore, IpfsMetadataStore, type DatasetDocument, type MetadataStore } from '../lib/metadata';
import { openStore } from '../lib/storage';
import { startStorageNode } from '../lib/storage/node';
import { startCeramicNode } from '../test/helpers/ceramic';
import { sampleDocument } from '../test/metadata/fixtures';
import type { PublishFigure } from './publish';
import { percentile } from './stats';

const DOMAIN = { chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } as const;

interface Timings {
  create: number[];
  update: number[];
  read: number[];
}

/** Publishes and updates `rounds` + 1 datasets on `store`, timing each step; the first is a warm-up. */
async function measureStore(store: MetadataStore, origins: Map<bigint, string>, rounds: number): Promise<Timings> {
  const account = privateKeyToAccount(generatePrivateKey());
  const timings: Timings = { create: [], update: [], read: [] };
  for (let i = 0; i <= rounds; i++) {
    const datasetId = BigInt(i + 1);
    const first: DatasetDocument = sampleDocument(account.address, { datasetId: datasetId.toString() });
    let started = performance.now();
    const v1 = await store.put(first, account, DOMAIN);
    const create = performance.now() - started;
    origins.set(datasetId, v1.cid);
    started = performance.now();
    const v2 = await store.put({ ...first, version: 2, previous: v1.cid, title: `${first.title}, revised` }, account, DOMAIN);
    const update = performance.now() - started;
    started = performance.now();
    await store.get(v2.cid, DOMAIN, datasetId);
    const read = performance.now() - started;
    if (i === 0) continue;
    timings.create.push(create);
    timings.update.push(update);
    timings.read.push(read);
  }
  return timings;
}

export async function measureMetadata({ rounds = 20 }: { rounds?: number } = {}): Promise<PublishFigure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-bench-metadata-'));
  const [storage, ceramicNode] = await Promise.all([startStorageNode({ host: '127.0.0.1', port: 0, dir }), startCeramicNode()]);
  try {
    const blocks = await openStore({ adapter: 'helia', apiUrl: storage.url, host: '127.0.0.1', port: 0, dir });
    const ipfs = await measureStore(new IpfsMetadataStore(blocks), new Map(), rounds);
    await blocks.close();
    const origins = new Map<bigint, string>();
    const ceramic = await measureStore(new CeramicMetadataStore({ url: ceramicNode.url, siweDomain: '127.0.0.1:3000', origin: async (id) => origins.get(id)! }), origins, rounds);
    const median = (samples: number[]) => Math.round(percentile(samples, 0.5) * 10) / 10;
    const figures: PublishFigure[] = [];
    for (const [step, label] of [
      ['create', 'first version (sign, store)'],
      ['update', 'update (sign, store)'],
      ['read', 'verified read'],
    ] as const) {
      const [onIpfs, onCeramic] = [median(ipfs[step]), median(ceramic[step])];
      figures.push({ name: `IPFS: ${label}, median`, value: onIpfs, unit: 'ms' });
      figures.push({ name: `Ceramic: ${label}, median`, value: onCeramic, unit: 'ms', note: `${rounds} datasets; p95 ${median([percentile(ceramic[step], 0.95)])} ms` });
      figures.push({ name: `Ceramic / IPFS: ${label}`, value: Math.round((onCeramic / onIpfs) * 10) / 10, unit: '×' });
    }
    return figures;
  } finally {
    await Promise.all([storage.stop(), ceramicNode.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
