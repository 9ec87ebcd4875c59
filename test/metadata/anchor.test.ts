/**
 * A document anchored on a real DatasetRegistry (embedded anvil) verifies from chain reads and the block alone;
 * every disagreement between the two is named.
 */
import { getContract, publicActions } from 'viem';
import { licenceTerms } from '@/lib/licence';
import { datasetRegistryAbi } from '@/lib/contracts';
import { devAccount } from '@/lib/chain';
import { AnchorMismatchError, cidFromPointer, IpfsMetadataStore, metadataPointer, verifyAnchored, type MetadataDomain, type RegistryReading, type SignedDataset } from '@/lib/metadata';
import { startTestMarket, type TestMarket } from '../helpers/market';
import { MemoryBlockStore, sampleDocument } from './fixtures';

const owner = devAccount(1);
const stranger = devAccount(2);

let market: TestMarket;
let domain: MetadataDomain;
const store = new IpfsMetadataStore(new MemoryBlockStore());

beforeAll(async () => {
  market = await startTestMarket();
  domain = { chainId: market.publicClient.chain.id, registry: market.deployments.contracts.datasetRegistry };
});
afterAll(() => market?.stop());

function registry(account: number) {
  const client = market.wallet(account).extend(publicActions);
  return { client, contract: getContract({ address: domain.registry, abi: datasetRegistryAbi, client }) };
}

async function mined(hash: `0x${string}`): Promise<void> {
  const receipt = await market.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
}

/** What anyone reads from the chain about `datasetId`. */
async function readRegistry(datasetId: bigint): Promise<RegistryReading> {
  const { contract } = registry(0);
  const [dataset, holder] = await Promise.all([contract.read.getDataset([datasetId]), contract.read.datasetOwner([datasetId])]);
  return { datasetId, pointer: { codec: dataset.metadataCodec, digest: dataset.metadataDigest }, version: dataset.version, owner: holder };
}

/** Loads and checks a dataset the way a buyer would: chain → pointer → CID → verified document → anchor. */
async function loadVerified(datasetId: bigint) {
  const reading = await readRegistry(datasetId);
  const cid = cidFromPointer(reading.pointer);
  const signed = await store.get(cid, domain);
  verifyAnchored(reading, { cid, signed });
  return { reading, cid, signed };
}

/** The mismatch verifyAnchored names, or 'verified'. */
function verdict(reading: RegistryReading, loaded: Parameters<typeof verifyAnchored>[1]): AnchorMismatchError['reason'] | 'verified' {
  try {
    verifyAnchored(reading, loaded);
    return 'verified';
  } catch (error) {
    if (error instanceof AnchorMismatchError) return error.reason;
    throw error;
  }
}

describe('verifyAnchored against DatasetRegistry', () => {
  let datasetId: bigint;
  let first: { cid: string; signed: SignedDataset };

  beforeAll(async () => {
    const { contract } = registry(1);
    await mined(await contract.write.registerTerms([licenceTerms({ currency: market.deployments.stablecoin.address })]));
    const termsId = await contract.read.termsCount();
    datasetId = await contract.read.nextDatasetId();
    await mined(await contract.write.reserveDatasetId());
    first = await store.put(sampleDocument(owner.address, { datasetId: datasetId.toString(), termsId: termsId.toString() }), owner, domain);
    await mined(await contract.write.publish([metadataPointer(first.cid), termsId, datasetId]));
  });

  it('verifies a published dataset from chain reads and its block', async () => {
    const { cid, signed, reading } = await loadVerified(datasetId);
    expect(cid).toBe(first.cid);
    expect(reading.version).toBe(1);
    expect(signed.document.title).toBe('Berlin air quality, hourly, 2025');
  });

  it('follows an update, and tells the superseded version apart', async () => {
    const update = await store.put(
      { ...first.signed.document, version: 2, previous: first.cid, title: 'Berlin air quality, 2025 (revised)', updatedAt: '2026-11-24T09:00:00.000Z' },
      owner,
      domain,
    );
    await mined(await registry(1).contract.write.updateMetadata([datasetId, metadataPointer(update.cid)]));
    const { signed } = await loadVerified(datasetId);
    expect(signed.document.previous).toBe(first.cid);

    // The first version no longer matches what the registry anchors.
    expect(verdict(await readRegistry(datasetId), first)).toBe('pointer');
  });

  it.each<[AnchorMismatchError['reason'], (reading: RegistryReading) => RegistryReading]>([
    ['pointer', (reading) => ({ ...reading, pointer: { ...reading.pointer, codec: 0x71 } })],
    ['dataset', (reading) => ({ ...reading, datasetId: reading.datasetId + 1n })],
    ['version', (reading) => ({ ...reading, version: reading.version + 1 })],
    ['publisher', (reading) => ({ ...reading, owner: stranger.address })],
  ])('names a %s mismatch with an AnchorMismatchError', async (reason, alter) => {
    const { reading, cid, signed } = await loadVerified(datasetId);
    expect(verdict(alter(reading), { cid, signed })).toBe(reason);
  });
});
