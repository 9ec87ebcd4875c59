/**
 * A buyer's purchases, an owner's profile and a decoded transaction, against the real embedded components (anvil
 * with the contracts, the Helia node) and a real database (PGlite; Postgres too when DATABASE_URL is set): a
 * scripted market history — licences bought, renewed, bought perpetual, transferred away, bought by the owner,
 * compute jobs settled and cancelled — read back through the indexer's read API as the web app reads it.
 */
import { parseUnits, type Address, type Hex } from 'viem';
import { devAccount } from '@/lib/chain';
import { isTransactionHash, marketContracts, readTransaction } from '@/lib/chain/transaction';
import { loadConfig } from '@/lib/config';
import { quoteJob, requestJobArgs } from '@/lib/compute/buyer/quote';
import { signJobResult } from '@/lib/compute/settlement';
import { computeMarketAbi, contractsOf } from '@/lib/contracts';
import type { IndexerClient } from '@/lib/indexer/client';
import { QueryError } from '@/lib/indexer/errors';
import type { AccountPurchases, HeldLicence } from '@/lib/indexer/api';
import { parseAccount, purchasesOf } from '@/lib/indexer/holdings';
import type { Indexer } from '@/lib/indexer/indexer';
import { licenceTerms } from '@/lib/licence';
import { metadataPointer } from '@/lib/metadata';
import { encodeDagJson } from '@/lib/metadata/dag-json';
import { allowProviders, publishDataset, registerProvider } from '../contracts/fixture';
import { cpuEnvironment, mined, onlyEvent } from '../helpers/compute';
import { DATABASE_KINDS } from '../helpers/database';
import { serveIndexer, type ServedIndexer } from '../helpers/indexer';
import { startTestServices, type TestServices } from '../helpers/services';

jest.setTimeout(600_000);

const usd = (amount: string) => parseUnits(amount, 6);
const value = (amount: string) => ({ raw: usd(amount).toString(), value: amount });
const fee = (amount: string) => (usd(amount) * 250n) / 10_000n;
const DAY_MS = 86_400_000;
const OWNER_A = 4;
const OWNER_B = 5;
const BUYER = 2;
const RECIPIENT = 3;
const OPERATOR = 9;
const NODE_KEY = 8;
const address = (index: number): Address => devAccount(index).address;

describe.each(DATABASE_KINDS)('purchases and owners on %s', (kind) => {
  let services: TestServices;
  let served: ServedIndexer;
  let indexer: Indexer;
  let client: IndexerClient;
  const ids: Record<string, bigint> = {};
  const txs: Record<string, Hex> = {};

  beforeAll(async () => {
    services = await startTestServices();
    const { publicClient, deployments } = services.chain;
    const contracts = contractsOf(deployments);
    const [ownerA, ownerB, buyer] = await Promise.all([services.market(OWNER_A), services.market(OWNER_B), services.market(BUYER)]);

    // Owner A: a 30-day licence the buyer renews, and a perpetual one. The owner buys its own (a wash trade).
    ids.genome = (await ownerA.publish(services.file('genome.csv', 'sample,variant\ns1,BRCA1\n'), { title: 'Genome variants', tags: ['genomics'] }, { preset: 'commercial', accessDays: 30 }, { download: usd('10'), compute: 0n })).datasetId;
    ids.retail = (await ownerA.publish(services.file('retail.csv', 'basket,total\nb1,12.5\n'), { title: 'Retail baskets', tags: ['retail'] }, { preset: 'non-commercial', accessDays: 0 }, { download: usd('2.5'), compute: 0n })).datasetId;
    txs.firstBuy = (await buyer.buyLicence(ids.genome)).txHash;
    txs.renewal = (await buyer.buyLicence(ids.genome)).txHash;
    txs.perpetual = (await buyer.buyLicence(ids.retail)).txHash;
    // The SDK refuses an owner's purchase of its own data; the contract does not.
    const ownerWallet = services.chain.wallet(OWNER_A);
    await mined(publicClient, ownerWallet.writeContract({ ...contracts.stablecoin, functionName: 'approve', args: [deployments.contracts.marketplace, usd('10')] }));
    const { termsId: genomeTerms } = await publicClient.readContract({ ...contracts.registry, functionName: 'getOffer', args: [ids.genome] });
    await mined(publicClient, ownerWallet.writeContract({ ...contracts.marketplace, functionName: 'buyLicence', args: [ids.genome, genomeTerms, usd('10')] }));

    // Owner B: a transferable licence the buyer passes on, and compute-only data with two jobs.
    const cid = await ownerB.store.putBlock(await encodeDagJson({ title: 'raw pointer, no signed document' }), 'dag-json');
    const transferable = licenceTerms({ currency: deployments.stablecoin.address, downloadPrice: usd('4'), transferable: true, uri: 'ipfs://terms' });
    ids.passed = (await publishDataset(services.chain, OWNER_B, metadataPointer(cid), transferable)).datasetId;
    await buyer.buyLicence(ids.passed);
    txs.transfer = await mined(publicClient, services.chain.wallet(BUYER).writeContract({ ...contracts.marketplace, functionName: 'transferLicence', args: [ids.passed, address(RECIPIENT)] })).then((r) => r.transactionHash);

    ids.vitals = (await ownerB.publish(services.file('vitals.csv', 'patient,hr\np1,72\n'), { title: 'ICU vitals', tags: ['health'] }, { preset: 'compute-only' }, { download: 0n, compute: usd('15') })).datasetId;
    const providerId = await registerProvider(services.chain, OPERATOR, devAccount(NODE_KEY), [cpuEnvironment(usd('0.05'))], 'http://127.0.0.1:1');
    await allowProviders(services.chain, OWNER_B, ids.vitals, [providerId]);
    const requestJob = async (maxMinutes: number) => {
      const choice = { datasetId: ids.vitals!, providerId, environment: 0, maxMinutes, aiTraining: false };
      const wallet = services.chain.wallet(BUYER);
      const quote = await quoteJob(publicClient, deployments.contracts, choice, wallet.account.address);
      await mined(publicClient, wallet.writeContract({ ...contracts.stablecoin, functionName: 'approve', args: [deployments.contracts.computeMarket, quote.escrow] }));
      const receipt = await mined(publicClient, wallet.writeContract({ ...contracts.computeMarket, functionName: 'requestJob', args: requestJobArgs(choice, quote, `0x${'cd'.repeat(32)}`) }));
      return { ...onlyEvent(computeMarketAbi, receipt.logs, 'JobRequested'), txHash: receipt.transactionHash };
    };
    const settled = await requestJob(5);
    txs.jobRequest = settled.txHash;
    const resultHash = `0x${'ab'.repeat(32)}` as Hex;
    const signature = await signJobResult(devAccount(NODE_KEY), { chainId: deployments.chainId, computeMarket: deployments.contracts.computeMarket }, { jobId: settled.jobId, resultHash, minutesUsed: 2, delivered: true, releasedBytes: 0n });
    txs.settlement = (await mined(publicClient, services.chain.wallet(NODE_KEY).writeContract({ ...contracts.computeMarket, functionName: 'submitResult', args: [settled.jobId, settled.job, resultHash, 2, true, 0n, signature] }))).transactionHash;
    const cancelled = await requestJob(3);
    txs.cancel = (await mined(publicClient, services.chain.wallet(BUYER).writeContract({ ...contracts.computeMarket, functionName: 'cancelJob', args: [cancelled.jobId, cancelled.job] }))).transactionHash;
    ids.settledJob = settled.jobId;
    ids.cancelledJob = cancelled.jobId;

    served = await serveIndexer(services.config, kind);
    ({ indexer, client } = served);
    await indexer.catchUp();
  });

  afterAll(async () => {
    await served?.stop();
    await services?.stop();
  });

  const licence = (purchases: AccountPurchases, id: bigint): HeldLicence | undefined => purchases.licences.find((l) => l.datasetId === Number(id));

  it("lists a buyer's licences with their terms, expiry and what renewing costs, latest first", async () => {
    const purchases = await client.purchases(address(BUYER).toLowerCase());
    expect(purchases.account).toBe(address(BUYER));
    // The licence passed on is no longer the buyer's.
    expect(purchases.licences.map((l) => l.datasetId)).toEqual([Number(ids.retail), Number(ids.genome)]);

    const genome = licence(purchases, ids.genome!)!;
    const { timestamp: firstAt } = await services.chain.publicClient.getBlock({ blockNumber: (await services.chain.publicClient.getTransactionReceipt({ hash: txs.firstBuy! })).blockNumber });
    // The renewal extends the first 30 days by 30 more.
    expect(Date.parse(genome.expiresAt!)).toBe(Number(firstAt) * 1000 + 60 * DAY_MS);
    expect(genome).toMatchObject({
      title: 'Genome variants',
      owner: address(OWNER_A),
      licence: 'commercial',
      rights: { commercialUse: true, derivatives: false, aiTraining: false, transferable: false },
      active: true,
      via: 'purchase',
      txHash: txs.renewal,
      purchases: 2,
      paid: value('20'),
      renewal: { termsId: genome.termsId, price: value('10') },
    });

    // Perpetual: nothing to renew.
    expect(licence(purchases, ids.retail!)).toMatchObject({ title: 'Retail baskets', licence: 'non-commercial', expiresAt: null, active: true, txHash: txs.perpetual, purchases: 1, paid: value('2.5'), renewal: null });
  });

  it('shows a licence received by transfer with the terms of the purchase it came from', async () => {
    const received = await client.purchases(address(RECIPIENT));
    expect(received.licences).toHaveLength(1);
    expect(received.licences[0]).toMatchObject({ datasetId: Number(ids.passed), title: null, via: 'transfer', txHash: txs.transfer, purchases: 0, paid: value('0'), rights: { transferable: true }, active: true });
    expect(received.licences[0]!.renewal).toMatchObject({ price: value('4') });
  });

  it('marks licences past their expiry as expired, and offers no renewal once the dataset is delisted', async () => {
    const later = await purchasesOf(indexer.database, address(BUYER), indexer.context, new Date(Date.now() + 61 * DAY_MS));
    expect(licence(later, ids.genome!)).toMatchObject({ active: false, renewal: { price: value('10') } });
    expect(licence(later, ids.retail!)).toMatchObject({ active: true });

    const ownerA = await services.market(OWNER_A);
    await ownerA.delist(ids.genome!);
    await indexer.catchUp();
    expect(licence(await client.purchases(address(BUYER)), ids.genome!)).toMatchObject({ active: true, renewal: null });
    await ownerA.relist(ids.genome!);
    await indexer.catchUp();
  });

  it("lists a buyer's compute jobs with their status, cost, transactions and receipt hash", async () => {
    const { jobs, jobsTotal } = await client.purchases(address(BUYER));
    expect(jobsTotal).toBe(2);
    // 15 data fee + 2 minutes at 0.05 paid; the rest of 15.25 back.
    expect(jobs).toEqual([
      expect.objectContaining({ jobId: Number(ids.cancelledJob), title: 'ICU vitals', status: 'cancelled', delivered: false, escrow: value('15.15'), spent: value('0'), refund: value('15.15'), requestTx: expect.stringMatching(/^0x/), closeTx: txs.cancel, resultHash: null }),
      expect.objectContaining({ jobId: Number(ids.settledJob), datasetId: Number(ids.vitals), providerId: 1, status: 'settled', delivered: true, escrow: value('15.25'), maxMinutes: 5, minutesUsed: 2, spent: value('15.1'), refund: value('0.15'), requestTx: txs.jobRequest, closeTx: txs.settlement, resultHash: `0x${'ab'.repeat(32)}` }),
    ]);
    expect((await client.purchases(address(RECIPIENT))).jobs).toEqual([]);
  });

  it("sums an owner's real sales and compute earnings, and lists its datasets", async () => {
    const a = await client.owner(address(OWNER_A).toLowerCase());
    // The owner's own purchase is a wash trade: left out.
    expect(a).toMatchObject({
      owner: address(OWNER_A),
      symbol: 'dUSD',
      totals: { datasets: 2, listed: 2, licences: 3, revenue: value('22.5'), buyers: 1, computeJobs: 0, computeEarned: value('0') },
    });
    expect(a.totals.earned.raw).toBe((usd('22.5') - fee('10') * 2n - fee('2.5')).toString());
    expect(a.datasets.items.map((d) => d.title)).toEqual(['Retail baskets', 'Genome variants']);
    expect(a.datasets.items.map((d) => d.sales)).toEqual([1, 2]);

    const b = await client.owner(address(OWNER_B));
    expect(b.totals).toMatchObject({ datasets: 2, licences: 1, revenue: value('4'), computeJobs: 1, computeEarned: { raw: (usd('15') - fee('15')).toString() } });

    const nobody = await client.owner(address(RECIPIENT));
    expect(nobody).toMatchObject({ totals: { datasets: 0, licences: 0 }, since: null, datasets: { total: 0, items: [] } });
  });

  it('refuses a malformed address with a QueryError naming it', async () => {
    for (const call of [() => client.purchases('0x1234'), () => client.owner('not-an-address'), () => client.owner(`${address(BUYER)}00`)]) {
      const failure = await call().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(QueryError);
      expect(failure).toMatchObject({ parameter: 'address' });
    }
    expect(() => parseAccount('0xZZ00000000000000000000000000000000000000')).toThrow(QueryError);
    expect(parseAccount(address(BUYER).toLowerCase())).toBe(address(BUYER));
  });

  it('decodes a purchase transaction: the buyLicence call, its events, gas, block and status', async () => {
    const { publicClient, deployments } = services.chain;
    const view = await readTransaction(publicClient, marketContracts(deployments), txs.firstBuy!);
    const receipt = await publicClient.getTransactionReceipt({ hash: txs.firstBuy! });
    expect(view).toMatchObject({
      hash: txs.firstBuy,
      status: 'success',
      blockNumber: receipt.blockNumber.toString(),
      from: address(BUYER),
      to: deployments.contracts.marketplace,
      contract: 'Marketplace',
      gasUsed: receipt.gasUsed.toString(),
      call: {
        functionName: 'buyLicence',
        args: [
          { name: 'datasetId', type: 'uint256', value: ids.genome!.toString() },
          { name: 'termsId', type: 'uint256', value: expect.stringMatching(/^\d+$/) },
          { name: 'maxPrice', type: 'uint256', value: usd('10').toString() },
        ],
      },
    });
    const names = view!.events.map((e) => `${e.contract}.${e.name}`);
    expect(names).toEqual(expect.arrayContaining(['Marketplace.LicencePurchased', 'dUSD.Transfer']));
    const purchased = view!.events.find((e) => e.name === 'LicencePurchased')!;
    expect(purchased.args).toEqual(expect.arrayContaining([{ name: 'buyer', type: 'address', value: address(BUYER) }, { name: 'price', type: 'uint256', value: usd('10').toString() }]));

    // A settlement's JobSettled carries its split as a struct.
    const settlement = await readTransaction(publicClient, marketContracts(deployments), txs.settlement!);
    expect(settlement!.call?.functionName).toBe('submitResult');
    expect(settlement!.events.find((e) => e.name === 'JobSettled')!.args.find((a) => a.name === 'split')!.value).toMatch(/"ownerAmount":"\d+"/);
  });

  it('answers null for a transaction the chain does not know, and tells a hash from other text', async () => {
    const { publicClient, deployments } = services.chain;
    expect(await readTransaction(publicClient, marketContracts(deployments), `0x${'42'.repeat(32)}`)).toBeNull();
    expect(isTransactionHash(txs.firstBuy!)).toBe(true);
    for (const text of ['0x1234', `${txs.firstBuy}00`, `0x${'g'.repeat(64)}`, txs.firstBuy!.slice(2)]) expect(isTransactionHash(text)).toBe(false);
  });

  it('reads the explorer from DATAGORA_EXPLORER_URL, without a trailing slash; empty means none', () => {
    expect(loadConfig({ DATAGORA_EXPLORER_URL: 'https://explorer.example/' }).explorerUrl).toBe('https://explorer.example');
    expect(loadConfig({ DATAGORA_EXPLORER_URL: '' }).explorerUrl).toBeUndefined();
  });
});
