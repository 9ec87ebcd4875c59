/**
 * Attacks 3, 5 and 6 of the trust issue, through the SDK and raw transactions against anvil: the owner switching
 * terms in the same block as a purchase, someone squatting a provider's node key seen in its pending registration,
 * and someone taking a publisher's dataset id. Each now fails with a named error and harms nobody else.
 */
import { getAbiItem, parseEventLogs, type Hash } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { contractsOf, datasetRegistryAbi } from '@/lib/contracts';
import { loadNodeKey } from '@/lib/compute/provider/node';
import { signProviderNode } from '@/lib/compute/settlement';
import { DatasetNotFoundError, TransactionRejectedError } from '@/lib/market';
import { metadataPointer } from '@/lib/metadata';
import { BUYER, OPERATOR, OWNER, startComputeBed, type ComputeBed } from '../helpers/provider';

const ATTACKER = 6;
const PRICE = 5_000_000n;

let bed: ComputeBed;

beforeAll(async () => {
  bed = await startComputeBed({ provider: false });
}, 180_000);

afterAll(async () => {
  await bed?.stop();
});

/** Sends the transactions `send` makes with automining off, then mines them in one block, in fee order. */
async function oneBlock(send: () => Promise<Hash[]>): Promise<Hash[]> {
  const { testClient, publicClient } = bed.services.chain;
  await testClient.setAutomine(false);
  let hashes: Hash[];
  try {
    hashes = await send();
  } finally {
    await testClient.mine({ blocks: 1 });
    await testClient.setAutomine(true);
  }
  const receipts = await Promise.all(hashes.map((hash) => publicClient.waitForTransactionReceipt({ hash })));
  expect(new Set(receipts.map((r) => r.blockNumber)).size).toBe(1);
  return hashes;
}

test('attack 3: terms switched in the same block before a purchase make the purchase revert, not sell other terms', async () => {
  const owner = bed.owner;
  const contracts = contractsOf(owner.deployments);
  const { datasetId, termsId } = await owner.publish(bed.dataFile, { title: 'Vitals for sale' }, { preset: 'commercial' }, { download: PRICE, compute: 0n });
  // The owner prepares worse terms at the same price: a one-second, non-commercial licence.
  const { terms } = await owner.getDataset(datasetId);
  const worse = { ...terms, accessDuration: 1n, commercialUse: false, commercialAttribution: false, commercialRevShare: 0 };
  await owner.send('register worse terms', { ...contracts.registry, functionName: 'registerTerms', args: [worse] });
  const worseId = await owner.publicClient.readContract({ ...contracts.registry, functionName: 'termsIdOf', args: [worse] });
  const { wallet } = bed.services.chain;
  await bed.buyer.send('approve', { ...contracts.stablecoin, functionName: 'approve', args: [contracts.marketplace.address, PRICE] });
  const balance = () => owner.publicClient.readContract({ ...contracts.stablecoin, functionName: 'balanceOf', args: [bed.buyer.account!.address] });
  const before = await balance();

  const [switched, bought] = await oneBlock(async () => [
    // The owner's switch pays a higher tip, so it lands first in the block.
    await wallet(OWNER).writeContract({ ...contracts.registry, functionName: 'setTerms', args: [datasetId, worseId], maxPriorityFeePerGas: 10n ** 10n, maxFeePerGas: 10n ** 11n, gas: 200_000n }),
    await wallet(BUYER).writeContract({ ...contracts.marketplace, functionName: 'buyLicence', args: [datasetId, termsId, PRICE], maxPriorityFeePerGas: 1n, maxFeePerGas: 10n ** 11n, gas: 300_000n }),
  ]);
  const { publicClient } = bed.services.chain;
  expect((await publicClient.getTransactionReceipt({ hash: switched! })).status).toBe('success');
  expect((await publicClient.getTransactionReceipt({ hash: bought! })).status).toBe('reverted');
  expect(await balance()).toBe(before);
  expect((await owner.publicClient.readContract({ ...contracts.marketplace, functionName: 'licenceOf', args: [datasetId, bed.buyer.account!.address] })).expiresAt).toBe(0n);
  // Replayed now, the contract names why; the SDK says it in words before sending anything.
  await expect(bed.buyer.send('buy', { ...contracts.marketplace, functionName: 'buyLicence', args: [datasetId, termsId, PRICE] })).rejects.toMatchObject({ errorName: 'TermsMismatch' });
  const refused = await bed.buyer.buyLicence(datasetId, { termsId }).then(() => undefined, (error: unknown) => error);
  expect(refused).toBeInstanceOf(TransactionRejectedError);
  expect((refused as TransactionRejectedError).message).toContain(`now sold under terms ${worseId}, not terms ${termsId} that you accepted; nothing was charged`);
  expect(await balance()).toBe(before);
});

test('attack 5: a node key copied from a pending registration cannot be squatted; the node then registers', async () => {
  const { config } = bed.services;
  const { computeMarket } = contractsOf(bed.owner.deployments);
  const victimNode = loadNodeKey(config.compute.dir);
  const environments = [{ kind: 0, cpus: 1, memoryMb: 1024, gpus: 0, gpuModel: '', pricePerMinute: 1n }];
  // The victim's pending transaction shows its node key and the node's consent, which names the victim's operator.
  const operator = bed.services.account(OPERATOR);
  const seen = await signProviderNode(victimNode, { chainId: bed.owner.deployments.chainId, computeMarket: computeMarket.address }, operator.address, config.compute.url);
  const attacker = await bed.services.market(ATTACKER);
  const squat = attacker.send('squat the node key', { ...computeMarket, functionName: 'registerProvider', args: [config.compute.url, victimNode.address, environments, seen] });
  await expect(squat).rejects.toMatchObject({ errorName: 'InvalidNodeSignature' });
  // Nor can the attacker consent for a key it does not hold.
  const ownKey = privateKeyToAccount(generatePrivateKey());
  const forged = await signProviderNode(ownKey, { chainId: bed.owner.deployments.chainId, computeMarket: computeMarket.address }, attacker.account!.address, config.compute.url);
  await expect(attacker.send('forge', { ...computeMarket, functionName: 'registerProvider', args: [config.compute.url, victimNode.address, environments, forged] })).rejects.toMatchObject({ errorName: 'InvalidNodeSignature' });
  // The victim's own node starts and registers with its key.
  const node = await bed.startProvider();
  expect(await attacker.publicClient.readContract({ ...computeMarket, functionName: 'providerIdOf', args: [victimNode.address] })).toBe(node.providerId);
});

test('attack 6: nobody can make a publisher’s attempt fail by taking its dataset id', async () => {
  const { registry } = contractsOf(bed.owner.deployments);
  const attacker = await bed.services.market(ATTACKER);
  const reserve = () => attacker.send('reserve an id', { ...registry, functionName: 'reserveDatasetId' });
  // The attacker keeps reserving ids while the owner publishes: every attempt of the owner's still lands.
  const spam = (async () => {
    for (let i = 0; i < 6; i++) await reserve();
  })();
  const [published] = await Promise.all([bed.owner.publish(bed.dataFile, { title: 'Contested' }, { preset: 'commercial' }, { download: PRICE, compute: 0n }), spam]);
  const { owner, document } = await bed.owner.getDataset(published.datasetId);
  expect(owner).toBe(bed.owner.account!.address);
  expect(document.datasetId).toBe(published.datasetId.toString());
  // The ids the attacker reserved and never published are gaps every reader skips, not datasets that break them.
  const count = await attacker.publicClient.readContract({ ...registry, functionName: 'datasetCount' });
  const listed = (await attacker.listDatasets()).map((d) => d.id);
  expect(listed).toContain(published.datasetId);
  const gaps = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1)).filter((id) => !listed.includes(id));
  expect(gaps.length).toBeGreaterThanOrEqual(6);
  for (const gap of gaps) await expect(attacker.getDataset(gap)).rejects.toBeInstanceOf(DatasetNotFoundError);
  // Publishing under an id someone else reserved, or took already, is refused by name.
  const { logs } = await bed.owner.send('reserve', { ...registry, functionName: 'reserveDatasetId' });
  const [reserved] = parseEventLogs({ abi: [getAbiItem({ abi: datasetRegistryAbi, name: 'DatasetIdReserved' })], logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
  const { termsId } = await bed.owner.getDataset(published.datasetId);
  for (const id of [reserved!.args.datasetId, published.datasetId]) {
    await expect(attacker.send('take the id', { ...registry, functionName: 'publish', args: [metadataPointer(published.metadataCid), termsId, id] })).rejects.toMatchObject({ errorName: 'DatasetIdNotReserved' });
  }
});
