/**
 * Royalties to the unit across two levels, on a real anvil: datasets A (10 %) and B (7 %), model M derived from
 * both and paying 5 % itself, model N derived from M. A licence sale of N and a delivered compute job's data fee on
 * N take the market fee first, then credit M's, A's and B's owners their absolute shares of the rest (rounded
 * down) and N's owner what is left, each in the pull-payment balances of the market that sold, with RoyaltyPaid.
 * The figures below are worked out by hand from the definition, not read back from the contracts.
 */
import { keccak256, toHex, type Address, type TransactionReceipt } from 'viem';
import { devAccount } from '@/lib/chain';
import { computeMarketAbi, marketplaceAbi } from '@/lib/contracts';
import { cpuEnvironment, escrowOf, onlyEvent } from '../helpers/compute';
import { eventsOf } from '../helpers/expect';
import { requestJobOnChain, settleJobOnChain } from '../helpers/jobs';
import { metadataPointer, openTerms, termsFor, type Terms } from '../helpers/terms';
import { allowProviders, AssetKind, heldClaim, publishAsset, registerProvider, useMarketFixture, type Published } from './fixture';

const fixture = useMarketFixture();

const ADMIN = 0; // the treasury of both markets
const OWNER_A = 1;
const OWNER_B = 2;
const MAKER = 3; // publishes M
const SELLER = 4; // publishes N
const BUYER = 5;
const NEW_OWNER = 6;
const PROVIDER = 7;
const NODE = 8;

/** N's download price and data fee: odd, so every share rounds. */
const PRICE = 12_345_679n;
const DATA_FEE = 3_333_337n;
const PER_MINUTE = 1_000n;

let A: Published;
let B: Published;
let M: Published;
let N: Published;
let providerId: bigint;

const address = (account: number): Address => fixture().address(account);
const token = () => fixture().deployments.stablecoin.address;
const held = (parent: Published) => heldClaim(parent.datasetId, parent.termsId);

async function buy(buyer: number, asset: Published): Promise<TransactionReceipt> {
  const { termsId } = await fixture().registry().read.getOffer([asset.datasetId]);
  return fixture().mined(fixture().marketplace(buyer).write.buyLicence([asset.datasetId, termsId, 10n ** 12n]));
}

let derived = 0;

/** Dev account `account` publishes a model derived from `parents` (owned or licensed) under `terms`. */
async function derive(account: number, parents: readonly Published[], terms: Terms): Promise<Published> {
  const termsId = await fixture().registerTerms(terms);
  const derivation = { kind: AssetKind.Model, contentHash: keccak256(toHex(`model ${++derived}`)), parents: parents.map(held) };
  return publishAsset(fixture().market, account, metadataPointer(`model ${derived}`), termsId, derivation);
}

/** Withdrawable balances of `accounts` in the market at `market`. */
function balances(market: 'marketplace' | 'computeMarket', accounts: readonly number[]): Promise<bigint[]> {
  const { contracts } = fixture().deployments;
  const abi = market === 'marketplace' ? marketplaceAbi : computeMarketAbi;
  return Promise.all(
    accounts.map((account) =>
      fixture().publicClient.readContract({ address: contracts[market], abi, functionName: 'withdrawable', args: [token(), address(account)] }),
    ),
  );
}

function royaltiesPaid(receipt: TransactionReceipt, market: 'marketplace' | 'computeMarket') {
  return eventsOf(market === 'marketplace' ? marketplaceAbi : computeMarketAbi, receipt.logs, 'RoyaltyPaid', fixture().deployments.contracts[market]).map((e) => e.args);
}

const royalty = (ancestor: Published, owner: number, amount: bigint) => ({
  assetId: N.datasetId,
  ancestorId: ancestor.datasetId,
  owner: address(owner),
  currency: token(),
  amount,
});

beforeAll(async () => {
  for (const account of [MAKER, SELLER, BUYER]) {
    await fixture().mined(fixture().stablecoin(account).write.approve([fixture().deployments.contracts.marketplace, 2n ** 255n]));
  }
  A = await fixture().publish(OWNER_A, metadataPointer('A'), openTerms(token(), 1_000));
  B = await fixture().publish(OWNER_B, metadataPointer('B'), openTerms(token(), 700));
  await buy(MAKER, A);
  await buy(MAKER, B);
  M = await derive(MAKER, [A, B], openTerms(token(), 500));
  await buy(SELLER, M);
  N = await derive(SELLER, [M], termsFor({ currency: token(), downloadPrice: PRICE, computePrice: DATA_FEE }));
  providerId = await registerProvider(fixture().market, PROVIDER, devAccount(NODE), [cpuEnvironment(PER_MINUTE)]);
  await allowProviders(fixture().market, SELLER, N.datasetId, [providerId]);
});

const PAYEES = [ADMIN, MAKER, OWNER_A, OWNER_B, SELLER] as const;

describe('a licence sale of N', () => {
  it('credits the fee, M, A and B their shares of the rest and N its remainder, to the unit', async () => {
    expect(await fixture().registry().read.ancestorsOf([N.datasetId])).toEqual([
      { assetId: M.datasetId, bps: 500 },
      { assetId: A.datasetId, bps: 1_000 },
      { assetId: B.datasetId, bps: 700 },
    ]);
    const before = await balances('marketplace', PAYEES);
    const receipt = await buy(BUYER, N);
    const after = await balances('marketplace', PAYEES);
    // fee 12,345,679 × 2.5 % = 308,641.975 → 308,641; net 12,037,038. M 5 % = 601,851.9 → 601,851;
    // A 10 % = 1,203,703.8 → 1,203,703; B 7 % = 842,592.66 → 842,592; N's owner 12,037,038 − 2,648,146 = 9,388,892.
    expect(after.map((balance, i) => balance - before[i]!)).toEqual([308_641n, 601_851n, 1_203_703n, 842_592n, 9_388_892n]);
    expect(308_641n + 601_851n + 1_203_703n + 842_592n + 9_388_892n).toBe(PRICE);
    expect(royaltiesPaid(receipt, 'marketplace')).toEqual([royalty(M, MAKER, 601_851n), royalty(A, OWNER_A, 1_203_703n), royalty(B, OWNER_B, 842_592n)]);
    expect(onlyEvent(marketplaceAbi, receipt.logs, 'LicencePurchased')).toMatchObject({ owner: address(SELLER), price: PRICE, fee: 308_641n });
  });

  it("pays an ancestor's owner at the time of the sale, who withdraws it", async () => {
    await fixture().mined(fixture().registry(OWNER_A).write.transferFrom([address(OWNER_A), address(NEW_OWNER), A.datasetId]));
    const [ownerBefore] = await balances('marketplace', [OWNER_A]);
    const receipt = await buy(BUYER, N);
    expect(royaltiesPaid(receipt, 'marketplace')[1]).toEqual(royalty(A, NEW_OWNER, 1_203_703n));
    expect(await balances('marketplace', [OWNER_A, NEW_OWNER])).toEqual([ownerBefore, 1_203_703n]);
    const wallet = await fixture().stablecoin().read.balanceOf([address(NEW_OWNER)]);
    await fixture().mined(fixture().marketplace(NEW_OWNER).write.withdraw([token()]));
    expect(await fixture().stablecoin().read.balanceOf([address(NEW_OWNER)])).toBe(wallet + 1_203_703n);
  });

  it('emits nothing for a share that rounds to zero, and a plain dataset pays no royalties', async () => {
    await fixture().mined(fixture().registry(SELLER).write.setPrices([N.datasetId, 10n, DATA_FEE]));
    const before = await balances('marketplace', PAYEES);
    const receipt = await buy(BUYER, N);
    // fee 10 × 2.5 % = 0.25 → 0; M 0.5 → 0, A 1, B 0.7 → 0; N's owner 9.
    expect(royaltiesPaid(receipt, 'marketplace')).toEqual([royalty(A, OWNER_A, 1n)]);
    expect((await balances('marketplace', PAYEES)).map((balance, i) => balance - before[i]!)).toEqual([0n, 0n, 1n, 0n, 9n]);
    expect(royaltiesPaid(await buy(BUYER, A), 'marketplace')).toEqual([]);
  });

  it('gives an ancestor with a zero share no RoyaltyPaid, though it stays in the lineage', async () => {
    const free = await fixture().publish(OWNER_B, metadataPointer('Z'), openTerms(token(), 0));
    await buy(MAKER, free);
    const child = await derive(MAKER, [A, free], termsFor({ currency: token(), downloadPrice: 1_000_000n }));
    expect(await fixture().registry().read.ancestorsOf([child.datasetId])).toEqual([
      { assetId: A.datasetId, bps: 1_000 },
      { assetId: free.datasetId, bps: 0 },
    ]);
    const receipt = await buy(BUYER, child);
    // fee 25,000; A 10 % of 975,000.
    expect(royaltiesPaid(receipt, 'marketplace')).toEqual([{ ...royalty(A, OWNER_A, 97_500n), assetId: child.datasetId }]);
  });

  it('leaves the owner only what rounding leaves when the ancestors take 100 %', async () => {
    const sixty = await fixture().publish(OWNER_A, metadataPointer('60 %'), openTerms(token(), 6_000));
    const forty = await fixture().publish(OWNER_B, metadataPointer('40 %'), openTerms(token(), 4_000));
    await buy(MAKER, sixty);
    await buy(MAKER, forty);
    const all = await derive(MAKER, [sixty, forty], termsFor({ currency: token(), downloadPrice: 1_000_001n }));
    const before = await balances('marketplace', PAYEES);
    const receipt = await buy(BUYER, all);
    // fee 25,000.025 → 25,000; net 975,001: 60 % = 585,000.6 → 585,000 and 40 % = 390,000.4 → 390,000; the owner 1.
    expect(royaltiesPaid(receipt, 'marketplace')).toEqual([
      { ...royalty(sixty, OWNER_A, 585_000n), assetId: all.datasetId },
      { ...royalty(forty, OWNER_B, 390_000n), assetId: all.datasetId },
    ]);
    expect((await balances('marketplace', PAYEES)).map((balance, i) => balance - before[i]!)).toEqual([25_000n, 1n, 585_000n, 390_000n, 0n]);
  });
});

describe("a compute job's data fee on N", () => {
  it('pays the ancestors from the owner part of a delivered job, to the unit', async () => {
    const requested = await requestJobOnChain(fixture().market, BUYER, { datasetId: N.datasetId, providerId, maxMinutes: 10 });
    const before = await balances('computeMarket', [...PAYEES, PROVIDER, BUYER]);
    const receipt = await settleJobOnChain(fixture().market, NODE, requested, { minutesUsed: 2, delivered: true, releasedBytes: 0n });
    const after = await balances('computeMarket', [...PAYEES, PROVIDER, BUYER]);
    // Data fee 3,333,337: cut 83,333.425 → 83,333, owner part 3,250,004. M 5 % = 162,500.2 → 162,500;
    // A 10 % = 325,000.4 → 325,000; B 7 % = 227,500.28 → 227,500; N's owner 3,250,004 − 715,000 = 2,535,004.
    // Two minutes at 1,000: cut 50, provider 1,950. The buyer gets back the eight minutes not used.
    const refund = escrowOf(requested.job) - DATA_FEE - 2n * PER_MINUTE;
    expect(refund).toBe(8n * PER_MINUTE);
    expect(after.map((balance, i) => balance - before[i]!)).toEqual([83_383n, 162_500n, 325_000n, 227_500n, 2_535_004n, 1_950n, refund]);
    expect(royaltiesPaid(receipt, 'computeMarket')).toEqual([royalty(M, MAKER, 162_500n), royalty(A, OWNER_A, 325_000n), royalty(B, OWNER_B, 227_500n)]);
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'JobSettled').split).toEqual({
      owner: address(SELLER),
      ownerAmount: 2_535_004n,
      providerAmount: 1_950n,
      marketFee: 83_383n,
      buyerRefund: refund,
    });
  });

  it('pays no royalties when the results were not delivered', async () => {
    const requested = await requestJobOnChain(fixture().market, BUYER, { datasetId: N.datasetId, providerId, maxMinutes: 10 });
    const before = await balances('computeMarket', PAYEES);
    const receipt = await settleJobOnChain(fixture().market, NODE, requested, { minutesUsed: 2, delivered: false, releasedBytes: 0n });
    expect(royaltiesPaid(receipt, 'computeMarket')).toEqual([]);
    expect((await balances('computeMarket', PAYEES)).map((balance, i) => balance - before[i]!)).toEqual([50n, 0n, 0n, 0n, 0n]);
  });
});
