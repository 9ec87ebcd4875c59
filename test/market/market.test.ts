/**
 * The market SDK end to end against the real embedded components: anvil with the contracts, the Helia node
 * behind its Kubo RPC API, a 2-of-3 key network. A buyer with a valid licence — and nobody else — gets the
 * exact bytes back.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { AccessDeniedError, KeyNetworkUnavailableError } from '@/lib/access';
import { contractsOf } from '@/lib/contracts';
import { LicenceCombinationError } from '@/lib/licence/presets';
import { ComputeOnlyError, FileError, InsufficientFundsError, Market, TransactionRejectedError } from '@/lib/market';
import { startTestServices, type TestServices } from '../helpers/services';

jest.setTimeout(300_000);

const usd = (amount: string) => parseUnits(amount, 6);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const MiB = 1 << 20;

describe('market: publish, buy, download', () => {
  let services: TestServices;
  let owner: Market;
  let buyer: Market;
  let stranger: Market;
  let dir: string;

  beforeAll(async () => {
    services = await startTestServices();
    [owner, buyer, stranger] = await Promise.all([services.market(1), services.market(2), services.market(3)]);
    dir = services.home;
  });
  afterAll(() => services?.stop());

  const file = (name: string, bytes: Uint8Array | string) => {
    const target = path.join(dir, name);
    writeFileSync(target, bytes);
    return target;
  };
  const csv = () => file('prices.csv', 'day,price\n2026-01-01,10.5\n2026-01-02,11.25\n2026-01-03,9.75\n');

  it('publishes a CSV with verified metadata, sells it, and releases the exact bytes only to licence holders', async () => {
    const source = csv();
    const published = await owner.publish(source, { title: 'Daily prices', description: 'Three days', tags: ['prices'] }, { preset: 'commercial' }, { download: usd('12.5'), compute: 0n });
    expect(published.resumed).toBe(false);

    const listed = await stranger.listDatasets();
    const summary = listed.find((d) => d.id === published.datasetId)!;
    expect(summary.document).toMatchObject({
      title: 'Daily prices',
      format: 'csv',
      rowCount: 3,
      columns: [
        { name: 'day', type: 'string' },
        { name: 'price', type: 'number' },
      ],
      plaintextSha256: sha256(source),
      publisher: services.account(1).address,
      version: 1,
    });
    expect(summary.document.preview?.content).toContain('2026-01-01,10.5');
    expect(summary.terms.downloadPrice).toBe(usd('12.5'));

    const before = await buyer.balance();
    const bought = await buyer.buyLicence(published.datasetId);
    expect(bought.price).toBe(usd('12.5'));
    expect((await buyer.balance()).stablecoin).toBe(before.stablecoin - usd('12.5'));

    const out = path.join(dir, 'bought.csv');
    const result = await buyer.download(published.datasetId, out);
    expect(readFileSync(out)).toEqual(readFileSync(source));
    expect(result.sha256).toBe(sha256(source));

    // The owner can always decrypt; a stranger is refused with the nodes' reason and gets no file.
    await owner.download(published.datasetId, path.join(dir, 'owner.csv'));
    const refused = stranger.download(published.datasetId, path.join(dir, 'stolen.csv'));
    await expect(refused).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(stranger.download(published.datasetId, path.join(dir, 'stolen.csv'))).rejects.toThrow(/canDecrypt/);
    expect(() => readFileSync(path.join(dir, 'stolen.csv'))).toThrow();
  });

  it.each([
    ['1 B', 1],
    ['one chunk - 1', MiB - 1],
    ['one chunk', MiB],
    ['one chunk + 1', MiB + 1],
    ['~50 MB', 50 * 1e6 + 12_345],
  ])('round-trips %s byte-identically', async (label, size) => {
    const source = file(`random-${size}.bin`, randomBytes(size));
    const { datasetId } = await owner.publish(source, { title: `Random ${label}` }, { preset: 'non-commercial' }, { download: usd('1'), compute: 0n });
    await buyer.buyLicence(datasetId);
    const out = path.join(dir, `random-${size}.out`);
    await buyer.download(datasetId, out);
    expect(sha256(out)).toBe(sha256(source));
    expect(readFileSync(out).length).toBe(size);
  });

  it('keeps versions: an update is a new signed document pointing at the previous one', async () => {
    const { datasetId, metadataCid } = await owner.publish(csv(), { title: 'Versioned' }, { preset: 'commercial' }, { download: usd('2'), compute: 0n });
    const updated = await owner.updateMetadata(datasetId, { title: 'Versioned (v2)', tags: ['updated'] });
    expect(updated.version).toBe(2);
    const details = await stranger.getDataset(datasetId);
    expect(details.document).toMatchObject({ title: 'Versioned (v2)', version: 2, previous: metadataCid, tags: ['updated'] });
    expect(details.history.map((v) => [v.version, v.metadataCid])).toEqual([
      [1, metadataCid],
      [2, updated.metadataCid],
    ]);
    await expect(stranger.updateMetadata(datasetId, { title: 'hijacked' })).rejects.toBeInstanceOf(TransactionRejectedError);
  });

  it('stops sales on delist while earlier buyers still decrypt, and pays the owner on withdraw', async () => {
    const source = csv();
    const { datasetId } = await owner.publish(source, { title: 'Delisted later' }, { preset: 'commercial' }, { download: usd('3'), compute: 0n });
    await buyer.buyLicence(datasetId);
    await owner.delist(datasetId);
    await expect(stranger.buyLicence(datasetId)).rejects.toThrow(/delisted/);
    await buyer.download(datasetId, path.join(dir, 'after-delist.csv'));
    expect(sha256(path.join(dir, 'after-delist.csv'))).toBe(sha256(source));

    const before = await owner.balance();
    expect(before.withdrawable).toBeGreaterThan(0n);
    const { amount } = await owner.withdraw();
    expect(amount).toBe(before.withdrawable);
    const after = await owner.balance();
    expect(after.withdrawable).toBe(0n);
    expect(after.stablecoin).toBe(before.stablecoin + amount);
  });

  it('refuses to sell or release compute-only data as a file', async () => {
    const { datasetId } = await owner.publish(csv(), { title: 'Vitals' }, { preset: 'compute-only' }, { download: 0n, compute: usd('5') });
    await expect(buyer.buyLicence(datasetId)).rejects.toBeInstanceOf(ComputeOnlyError);
    await expect(buyer.download(datasetId, path.join(dir, 'vitals.csv'))).rejects.toBeInstanceOf(ComputeOnlyError);
    await expect(owner.publish(csv(), { title: 'Bad' }, { preset: 'compute-only' }, { download: usd('1'), compute: usd('5') })).rejects.toBeInstanceOf(LicenceCombinationError);
  });

  it('gives concurrent publishers distinct ids, each envelope bound to its own dataset', async () => {
    const other = await services.market(4);
    const a = file('a.txt', 'dataset a\n');
    const b = file('b.txt', 'dataset b\n');
    const [pa, pb] = await Promise.all([
      owner.publish(a, { title: 'A' }, { preset: 'commercial' }, { download: usd('1'), compute: 0n }),
      other.publish(b, { title: 'B' }, { preset: 'commercial' }, { download: usd('1'), compute: 0n }),
    ]);
    expect(pa.datasetId).not.toBe(pb.datasetId);
    await owner.download(pa.datasetId, path.join(dir, 'a.out'));
    await other.download(pb.datasetId, path.join(dir, 'b.out'));
    expect(readFileSync(path.join(dir, 'a.out'), 'utf8')).toBe('dataset a\n');
    expect(readFileSync(path.join(dir, 'b.out'), 'utf8')).toBe('dataset b\n');
    // Owning A gives no access to B.
    await expect(owner.download(pb.datasetId, path.join(dir, 'b.stolen'))).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('lists nothing before the ciphertext is stored, and a failed listing is retried without uploading again', async () => {
    const { deployments, publicClient } = services.chain;
    const admin = services.chain.wallet(0);
    const { registry } = contractsOf(deployments);
    const setAllowed = async (allowed: boolean) => {
      const hash = await admin.writeContract({ ...registry, functionName: 'setCurrencyAllowed', args: [deployments.stablecoin.address, allowed] });
      await publicClient.waitForTransactionReceipt({ hash });
    };
    const source = file('retry.csv', 'a,b\n1,2\n');
    const count = () => publicClient.readContract({ ...registry, functionName: 'datasetCount' });
    const before = await count();
    await setAllowed(false);
    await expect(owner.publish(source, { title: 'Retry' }, { preset: 'ai-training' }, { download: usd('7'), compute: 0n })).rejects.toThrow(/not accepted/);
    expect(await count()).toBe(before);
    await setAllowed(true);
    let uploaded = 0;
    const retried = await owner.publish(source, { title: 'Retry' }, { preset: 'ai-training' }, { download: usd('7'), compute: 0n }, (p) => (uploaded = p.bytes));
    expect(retried.resumed).toBe(true);
    expect(uploaded).toBe(readFileSync(source).length);
    expect(await count()).toBe(before + 1n);
  });

  it('fails with typed, readable errors on bad input and lost services', async () => {
    await expect(owner.publish(path.join(dir, 'missing.csv'), { title: 'x' }, { preset: 'commercial' }, { download: 1n, compute: 0n })).rejects.toBeInstanceOf(FileError);
    await expect(owner.publish(dir, { title: 'x' }, { preset: 'commercial' }, { download: 1n, compute: 0n })).rejects.toBeInstanceOf(FileError);

    const pauper = await Market.open(services.config, { account: privateKeyToAccount(generatePrivateKey()) });
    try {
      await expect(pauper.publish(csv(), { title: 'x' }, { preset: 'commercial' }, { download: 1n, compute: 0n })).rejects.toBeInstanceOf(InsufficientFundsError);
      const listed = (await pauper.listDatasets()).find((d) => !d.terms.computeOnly && d.listed)!;
      await expect(pauper.buyLicence(listed.id)).rejects.toThrow(/holds 0 dUSD/);
    } finally {
      await pauper.close();
    }

    const { datasetId } = await owner.publish(csv(), { title: 'Nodes down' }, { preset: 'commercial' }, { download: usd('1'), compute: 0n });
    await buyer.buyLicence(datasetId);
    await services.stopKeyNode(0);
    await buyer.download(datasetId, path.join(dir, 'one-down.csv')); // 2 of 3 still answer
    await services.stopKeyNode(1);
    await expect(buyer.download(datasetId, path.join(dir, 'two-down.csv'))).rejects.toBeInstanceOf(KeyNetworkUnavailableError);
  });
});
