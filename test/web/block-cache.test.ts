/**
 * The pages' chain reads are kept for the block they were read at (lib/web/cache.ts): every visit of a block
 * shares one read, the next block is read afresh, and a read that failed is tried again by the next visit.
 */
import { contractsOf } from '@/lib/contracts';
import { BlockCache } from '@/lib/web/cache';
import { startTestMarket, type TestMarket } from '../helpers/market';

let market: TestMarket;

beforeAll(async () => {
  market = await startTestMarket();
});

afterAll(() => market?.stop());

function headCache(): BlockCache {
  return new BlockCache(() => market.publicClient.getBlockNumber({ cacheTime: 0 }));
}

it('serves every visit of a block from one read, and reads again once a block is mined', async () => {
  const cache = headCache();
  let reads = 0;
  const datasetCount = () => {
    reads++;
    return market.publicClient.readContract({ ...contractsOf(market.deployments).registry, functionName: 'datasetCount' });
  };
  const visits = await Promise.all(Array.from({ length: 50 }, () => cache.read('datasets', datasetCount)));
  expect(new Set(visits)).toEqual(new Set([0n]));
  expect(reads).toBe(1);

  await market.testClient.mine({ blocks: 1 });
  await cache.read('datasets', datasetCount);
  expect(reads).toBe(2);
});

it('keeps each visit at the head it asked for once', async () => {
  const cache = headCache();
  const at = await cache.at();
  await market.testClient.mine({ blocks: 1 });
  let reads = 0;
  const read = async () => ++reads;
  // The visit's reads stay at its block, while a new visit sees the next one.
  expect(await at.read('x', read)).toBe(1);
  expect(await at.read('x', read)).toBe(1);
  expect((await cache.at()).block).toBe(at.block + 1n);
  expect(await cache.read('x', read)).toBe(2);
});

it('forgets a read that failed, so the next visit tries again', async () => {
  const cache = headCache();
  await expect(cache.read('flaky', () => Promise.reject(new Error('the node hung up')))).rejects.toThrow('the node hung up');
  await expect(cache.read('flaky', () => Promise.resolve('answered'))).resolves.toBe('answered');
});
