/**
 * Marketplace against a real anvil: licence sales under the terms the buyer accepted and their fee split to the
 * last unit, renewals, expiry, permits, licence transfers, pull payments, canDecrypt and the admin's settings.
 */
import { keccak256, maxUint64, toHex, zeroAddress, zeroHash, type Address, type ContractEventName, type TransactionReceipt } from 'viem';
import { contractsOf, datasetRegistryAbi, marketplaceAbi, mockStablecoinAbi } from '@/lib/contracts';
import { eventsOf, expectRevert } from '../helpers/expect';
import { metadataPointer, termsFor, type Terms } from '../helpers/terms';
import { IN_BLOCK_GAS, useMarketFixture, type Published } from './fixture';

const fixture = useMarketFixture();

const ADMIN = 0; // also the treasury
const SELLER = 1;
const BUYER = 2;
const OTHER = 3;
const STRANGER = 4;

const BPS = 10_000n;
const FEE_ADMIN_ROLE = keccak256(toHex('FEE_ADMIN_ROLE'));
const PERPETUAL = maxUint64;
const DAY = 24n * 3600n;

/** The market fee on `price` at `bps`, rounded down: computed here from the definition, not read back. */
function feeOn(price: bigint, bps: bigint): bigint {
  return (price * bps) / BPS;
}

function marketplaceEvents<name extends ContractEventName<typeof marketplaceAbi>>(receipt: TransactionReceipt, eventName: name) {
  return eventsOf(marketplaceAbi, receipt.logs, eventName, fixture().deployments.contracts.marketplace);
}

function tokenTransfers(receipt: TransactionReceipt) {
  return eventsOf(mockStablecoinAbi, receipt.logs, 'Transfer', fixture().deployments.stablecoin.address).map((e) => e.args);
}

function terms(overrides: Partial<Terms> = {}): Terms {
  return termsFor({ currency: fixture().deployments.stablecoin.address, ...overrides });
}

const token = () => fixture().deployments.stablecoin.address;
const marketplaceAddress = () => fixture().deployments.contracts.marketplace;
const address = (account: number) => fixture().address(account);

let published = 0;

/** Publishes a dataset as `owner` under `overrides` of the default terms; returns its id and terms id. */
function publish(overrides: Partial<Terms> = {}, owner = SELLER): Promise<Published> {
  return fixture().publish(owner, metadataPointer(`dataset-${++published}`), terms(overrides));
}

/** The terms `datasetId` is sold under now: what a buyer reads, accepts and names in its purchase. */
async function offeredTerms(datasetId: bigint): Promise<bigint> {
  return (await fixture().registry().read.getOffer([datasetId])).termsId;
}

async function approve(account: number, amount: bigint): Promise<void> {
  await fixture().mined(fixture().stablecoin(account).write.approve([marketplaceAddress(), amount]));
}

/** Approves exactly `maxPrice` and buys as `buyer` under the terms offered now. */
async function buy(buyer: number, datasetId: bigint, maxPrice: bigint): Promise<TransactionReceipt> {
  await approve(buyer, maxPrice);
  return fixture().mined(fixture().marketplace(buyer).write.buyLicence([datasetId, await offeredTerms(datasetId), maxPrice]));
}

async function balanceOf(account: Address): Promise<bigint> {
  return fixture().stablecoin().read.balanceOf([account]);
}

async function withdrawable(account: Address): Promise<bigint> {
  return fixture().marketplace().read.withdrawable([token(), account]);
}

describe('deployment and admin settings', () => {
  it('is wired to the registry and compute market, with the deployer as admin and treasury at 250 bps', async () => {
    const marketplace = fixture().marketplace();
    const { contracts } = fixture().deployments;
    expect(await marketplace.read.registry()).toBe(contracts.datasetRegistry);
    expect(await marketplace.read.computeMarket()).toBe(contracts.computeMarket);
    expect(await marketplace.read.treasury()).toBe(address(ADMIN));
    expect(await marketplace.read.feeBps()).toBe(250);
    expect(await marketplace.read.MAX_FEE_BPS()).toBe(1_000);
    expect(await marketplace.read.FEE_ADMIN_ROLE()).toBe(FEE_ADMIN_ROLE);
    expect(await marketplace.read.DEFAULT_ADMIN_ROLE()).toBe(zeroHash);
    expect(await marketplace.read.hasRole([FEE_ADMIN_ROLE, address(ADMIN)])).toBe(true);
    expect(await marketplace.read.hasRole([zeroHash, address(ADMIN)])).toBe(true);
    expect(await marketplace.read.getRoleAdmin([FEE_ADMIN_ROLE])).toBe(zeroHash);
    expect(await marketplace.read.supportsInterface(['0x7965db0b'])).toBe(true); // IAccessControl
    expect(await marketplace.read.supportsInterface(['0x01ffc9a7'])).toBe(true); // ERC-165
    expect(await marketplace.read.supportsInterface(['0xffffffff'])).toBe(false);
  });

  it('recorded its fee, treasury and compute market in events at deployment', async () => {
    const contracts = contractsOf(fixture().deployments);
    const logs = await fixture().publicClient.getContractEvents({
      ...contracts.marketplace,
      fromBlock: 0n,
      strict: true,
    });
    const args = (eventName: string) => logs.filter((log) => log.eventName === eventName).map((log) => log.args);
    expect(args('FeeChanged')).toEqual([{ previousBps: 0, feeBps: 250 }]);
    expect(args('TreasuryChanged')).toEqual([{ previousTreasury: zeroAddress, treasury: address(ADMIN) }]);
    expect(args('ComputeMarketSet')).toEqual([{ computeMarket: contracts.computeMarket.address }]);
  });

  it('setFee: the fee admin sets 0 to 1,000 bps with FeeChanged; above the cap reverts FeeTooHigh', async () => {
    const marketplace = fixture().marketplace(ADMIN);
    let previous = 250;
    for (const bps of [0, 1, 999, 1_000]) {
      const receipt = await fixture().mined(marketplace.write.setFee([bps]));
      expect(marketplaceEvents(receipt, 'FeeChanged').map((e) => e.args)).toEqual([{ previousBps: previous, feeBps: bps }]);
      expect(await marketplace.read.feeBps()).toBe(bps);
      previous = bps;
    }
    for (const bps of [1_001, 10_000, 65_535]) await expectRevert(marketplace.write.setFee([bps]), 'FeeTooHigh', [bps, 1_000]);
    expect(await marketplace.read.feeBps()).toBe(1_000);
  });

  it('setTreasury: the fee admin moves the treasury with TreasuryChanged; the zero address reverts ZeroAddress', async () => {
    const marketplace = fixture().marketplace(ADMIN);
    const receipt = await fixture().mined(marketplace.write.setTreasury([address(OTHER)]));
    expect(marketplaceEvents(receipt, 'TreasuryChanged').map((e) => e.args)).toEqual([
      { previousTreasury: address(ADMIN), treasury: address(OTHER) },
    ]);
    expect(await marketplace.read.treasury()).toBe(address(OTHER));
    await expectRevert(marketplace.write.setTreasury([zeroAddress]), 'ZeroAddress', []);
  });

  it('setComputeMarket: the default admin sets it with ComputeMarketSet; the zero address reverts ZeroAddress', async () => {
    const marketplace = fixture().marketplace(ADMIN);
    const replacement = fixture().deployments.contracts.datasetRegistry; // any address will do
    const receipt = await fixture().mined(marketplace.write.setComputeMarket([replacement]));
    expect(marketplaceEvents(receipt, 'ComputeMarketSet').map((e) => e.args)).toEqual([{ computeMarket: replacement }]);
    expect(await marketplace.read.computeMarket()).toBe(replacement);
    await expectRevert(marketplace.write.setComputeMarket([zeroAddress]), 'ZeroAddress', []);
  });

  it('refuses every admin setting to others; FEE_ADMIN_ROLE alone does not set the compute market', async () => {
    const stranger = address(STRANGER);
    const marketplace = fixture().marketplace(STRANGER);
    await expectRevert(marketplace.write.setFee([100]), 'AccessControlUnauthorizedAccount', [stranger, FEE_ADMIN_ROLE]);
    await expectRevert(marketplace.write.setTreasury([stranger]), 'AccessControlUnauthorizedAccount', [stranger, FEE_ADMIN_ROLE]);
    await expectRevert(marketplace.write.setComputeMarket([stranger]), 'AccessControlUnauthorizedAccount', [stranger, zeroHash]);
    await expectRevert(marketplace.write.grantRole([FEE_ADMIN_ROLE, stranger]), 'AccessControlUnauthorizedAccount', [stranger, zeroHash]);

    await fixture().mined(fixture().marketplace(ADMIN).write.grantRole([FEE_ADMIN_ROLE, stranger]));
    await fixture().mined(marketplace.write.setFee([100]));
    await fixture().mined(marketplace.write.setTreasury([stranger]));
    await expectRevert(marketplace.write.setComputeMarket([stranger]), 'AccessControlUnauthorizedAccount', [stranger, zeroHash]);

    await fixture().mined(fixture().marketplace(ADMIN).write.revokeRole([FEE_ADMIN_ROLE, stranger]));
    await expectRevert(marketplace.write.setFee([200]), 'AccessControlUnauthorizedAccount', [stranger, FEE_ADMIN_ROLE]);
    await expectRevert(marketplace.write.renounceRole([FEE_ADMIN_ROLE, address(ADMIN)]), 'AccessControlBadConfirmation', []);
  });
});

describe('buyLicence', () => {
  it('sells a licence: takes the price, credits owner and treasury, records the licence and emits LicencePurchased', async () => {
    const price = 1_234_567n;
    const duration = 30n * DAY;
    const { datasetId, termsId } = await publish({ downloadPrice: price, accessDuration: duration });
    const [buyerBefore, marketBefore] = [await balanceOf(address(BUYER)), await balanceOf(marketplaceAddress())];

    const receipt = await buy(BUYER, datasetId, price);
    const expiresAt = (await fixture().minedAt(receipt)) + duration;
    // 1,234,567 × 250 / 10,000 = 30,864.175: the fee rounds down in the payer's favour.
    const fee = 30_864n;
    expect(feeOn(price, 250n)).toBe(fee);
    expect(marketplaceEvents(receipt, 'LicencePurchased').map((e) => e.args)).toEqual([
      { datasetId, buyer: address(BUYER), owner: address(SELLER), termsId, currency: token(), price, fee, expiresAt },
    ]);
    expect(tokenTransfers(receipt)).toEqual([{ from: address(BUYER), to: marketplaceAddress(), value: price }]);
    expect(await withdrawable(address(SELLER))).toBe(1_203_703n);
    expect(await withdrawable(address(ADMIN))).toBe(fee);
    expect(await balanceOf(address(BUYER))).toBe(buyerBefore - price);
    expect(await balanceOf(marketplaceAddress())).toBe(marketBefore + price);
    expect(await fixture().stablecoin().read.allowance([address(BUYER), marketplaceAddress()])).toBe(0n);

    expect(await fixture().marketplace().read.licenceOf([datasetId, address(BUYER)])).toEqual({ termsId, expiresAt });
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(true);
  });

  it('returns the expiry it records', async () => {
    const { datasetId, termsId } = await publish({ accessDuration: 0n });
    await approve(BUYER, 10n ** 12n);
    const { result } = await fixture().marketplace(BUYER).simulate.buyLicence([datasetId, termsId, 10n ** 12n]);
    expect(result).toBe(PERPETUAL);
  });

  it('charges only the price when maxPrice is higher, and reverts PriceAboveMax when it is lower', async () => {
    const price = 5_000_001n;
    const { datasetId, termsId } = await publish({ downloadPrice: price });
    await approve(BUYER, price * 2n);
    await expectRevert(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, price - 1n]), 'PriceAboveMax', [price, price - 1n]);
    await expectRevert(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, 0n]), 'PriceAboveMax', [price, 0n]);
    const before = await balanceOf(address(BUYER));
    await fixture().mined(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, price * 2n]));
    expect(await balanceOf(address(BUYER))).toBe(before - price);
  });

  it('protects the buyer from a price raised before the purchase with TermsMismatch, charging nothing', async () => {
    const { datasetId, termsId } = await publish({ downloadPrice: 100n });
    await fixture().mined(fixture().registry(SELLER).write.setPrices([datasetId, 101n, 0n]));
    const raised = await offeredTerms(datasetId);
    await approve(BUYER, 1_000n);
    const before = await balanceOf(address(BUYER));
    await expectRevert(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, 1_000n]), 'TermsMismatch', [datasetId, termsId, raised]);
    expect(await balanceOf(address(BUYER))).toBe(before);
    // The new terms sell as usual once the buyer accepts them, and maxPrice still bounds the price.
    await expectRevert(fixture().marketplace(BUYER).write.buyLicence([datasetId, raised, 100n]), 'PriceAboveMax', [101n, 100n]);
    await fixture().mined(fixture().marketplace(BUYER).write.buyLicence([datasetId, raised, 101n]));
  });

  it.each([
    ['setTerms', (datasetId: bigint, otherTermsId: bigint) => fixture().registry(SELLER).write.setTerms([datasetId, otherTermsId], { gas: IN_BLOCK_GAS })],
    ['setPrices', (datasetId: bigint) => fixture().registry(SELLER).write.setPrices([datasetId, 99n, 0n], { gas: IN_BLOCK_GAS })],
  ] as const)('reverts TermsMismatch when %s lands in the same block before buyLicence', async (_, change) => {
    const { datasetId, termsId } = await publish({ downloadPrice: 100n, transferable: true });
    // No dearer (setTerms: without the transfer right the buyer read; setPrices: cheaper), so maxPrice alone would
    // let the purchase through under terms the buyer never saw.
    const other = await publish({ downloadPrice: 100n, transferable: false });
    await approve(BUYER, 1_000n);
    const [changed, bought] = await fixture().inOneBlock([
      () => change(datasetId, other.termsId),
      () => fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, 1_000n], { gas: IN_BLOCK_GAS }),
    ]);
    expect(changed!.status).toBe('success');
    const current = await offeredTerms(datasetId);
    expect(current).not.toBe(termsId);
    await expectRevert(fixture().minedRevert(bought!), 'TermsMismatch', [datasetId, termsId, current]);
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(false);
    expect(await withdrawable(address(SELLER))).toBe(0n);
  });

  it('checks the accepted terms before the listing and the kind of sale', async () => {
    const { datasetId, termsId } = await publish();
    await fixture().mined(fixture().registry(SELLER).write.delist([datasetId]));
    await expectRevert(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId + 1n, 10n ** 12n]), 'TermsMismatch', [datasetId, termsId + 1n, termsId]);
    const computeOnly = await publish({ computeOnly: true, downloadPrice: 0n });
    await expectRevert(fixture().marketplace(BUYER).write.buyLicence([computeOnly.datasetId, 0n, 10n ** 12n]), 'TermsMismatch', [
      computeOnly.datasetId,
      0n,
      computeOnly.termsId,
    ]);
  });

  it('sells under the terms in force: after setPrices the new price and terms id apply', async () => {
    const { datasetId } = await publish({ downloadPrice: 100n });
    const receipt = await fixture().mined(fixture().registry(SELLER).write.setPrices([datasetId, 40_000n, 0n]));
    const [changed] = eventsOf(datasetRegistryAbi, receipt.logs, 'TermsChanged');
    const bought = await buy(BUYER, datasetId, 40_000n);
    const [event] = marketplaceEvents(bought, 'LicencePurchased');
    expect(event?.args).toMatchObject({ termsId: changed?.args.termsId, price: 40_000n, fee: feeOn(40_000n, 250n) });
    expect((await fixture().marketplace().read.licenceOf([datasetId, address(BUYER)])).termsId).toBe(changed?.args.termsId);
  });

  it('reverts DatasetNotListed while delisted and sells again once relisted', async () => {
    const { datasetId, termsId } = await publish();
    await fixture().mined(fixture().registry(SELLER).write.delist([datasetId]));
    await approve(BUYER, 10n ** 12n);
    await expectRevert(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, 10n ** 12n]), 'DatasetNotListed', [datasetId]);
    await fixture().mined(fixture().registry(SELLER).write.relist([datasetId]));
    await fixture().mined(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, 10n ** 12n]));
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(true);
  });

  it('reverts ComputeOnlyDataset for compute-only terms', async () => {
    const { datasetId, termsId } = await publish({ computeOnly: true, downloadPrice: 0n });
    await expectRevert(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, 10n ** 12n]), 'ComputeOnlyDataset', [datasetId]);
  });

  it('reverts UnknownDataset (from the registry) for a dataset that does not exist', async () => {
    await publish();
    for (const unknown of [0n, 2n]) {
      await expectRevert(fixture().marketplace(BUYER).write.buyLicence([unknown, 1n, 10n ** 12n]), 'UnknownDataset', [unknown]);
    }
  });

  it('reverts with the token error when the allowance or the balance is short', async () => {
    const price = 1_000_000n;
    const { datasetId, termsId } = await publish({ downloadPrice: price });
    await approve(BUYER, price - 1n);
    await expectRevert(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, price]), 'ERC20InsufficientAllowance', [
      marketplaceAddress(),
      price - 1n,
      price,
    ]);

    const balance = await balanceOf(address(BUYER));
    await fixture().mined(fixture().stablecoin(BUYER).write.transfer([address(OTHER), balance - price + 1n]));
    await approve(BUYER, price);
    await expectRevert(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, price]), 'ERC20InsufficientBalance', [
      address(BUYER),
      price - 1n,
      price,
    ]);
    expect(await withdrawable(address(SELLER))).toBe(0n);
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(false);
  });

  it('gives a free licence without moving tokens, crediting anyone or needing an allowance', async () => {
    const { datasetId, termsId } = await publish({ downloadPrice: 0n });
    const before = await balanceOf(address(BUYER));
    const receipt = await fixture().mined(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, 0n]));
    const expiresAt = (await fixture().minedAt(receipt)) + terms().accessDuration;
    expect(marketplaceEvents(receipt, 'LicencePurchased').map((e) => e.args)).toEqual([
      { datasetId, buyer: address(BUYER), owner: address(SELLER), termsId, currency: token(), price: 0n, fee: 0n, expiresAt },
    ]);
    expect(tokenTransfers(receipt)).toEqual([]);
    expect(await balanceOf(address(BUYER))).toBe(before);
    expect(await withdrawable(address(SELLER))).toBe(0n);
    expect(await withdrawable(address(ADMIN))).toBe(0n);
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(true);
  });
});

describe('fee arithmetic', () => {
  const prices = [0n, 1n, 3n, 39n, 40n, 41n, 399n, 400n, 9_999n, 10_000n, 10_001n, 1_234_567n, 7_777_777_777n, 10n ** 30n + 7n];

  it.each([0n, 1n, 250n, 333n, 999n, 1_000n])('splits every price to the last unit at %p bps', async (bps) => {
    if (bps !== 250n) await fixture().mined(fixture().marketplace(ADMIN).write.setFee([Number(bps)]));
    // The largest price is beyond the dev funding: mint it to the buyer.
    await fixture().mined(fixture().stablecoin(ADMIN).write.mint([address(BUYER), 10n ** 31n]));
    await approve(BUYER, 2n ** 256n - 1n);

    let ownerTotal = 0n;
    let treasuryTotal = 0n;
    for (const price of prices) {
      const { datasetId, termsId } = await publish({ downloadPrice: price, uri: `ipfs://price-${price}` });
      const receipt = await fixture().mined(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, price]));
      const fee = feeOn(price, bps);
      expect(fee * BPS).toBeLessThanOrEqual(price * bps);
      expect((fee + 1n) * BPS).toBeGreaterThan(price * bps);
      const [event] = marketplaceEvents(receipt, 'LicencePurchased');
      expect({ price: event?.args.price, fee: event?.args.fee }).toEqual({ price, fee });
      ownerTotal += price - fee;
      treasuryTotal += fee;
      expect(await withdrawable(address(SELLER))).toBe(ownerTotal);
      expect(await withdrawable(address(ADMIN))).toBe(treasuryTotal);
    }
    expect(ownerTotal + treasuryTotal).toBe(prices.reduce((a, b) => a + b, 0n));
    expect(await balanceOf(marketplaceAddress())).toBe(ownerTotal + treasuryTotal);
  });

  it('matches worked examples', async () => {
    const examples: Array<{ price: bigint; bps: number; fee: bigint; owner: bigint }> = [
      { price: 1_234_567n, bps: 250, fee: 30_864n, owner: 1_203_703n },
      { price: 1_000_001n, bps: 1_000, fee: 100_000n, owner: 900_001n },
      { price: 9_999n, bps: 1, fee: 0n, owner: 9_999n },
      { price: 10_000n, bps: 1, fee: 1n, owner: 9_999n },
      { price: 39n, bps: 250, fee: 0n, owner: 39n },
      { price: 40n, bps: 250, fee: 1n, owner: 39n },
      { price: 123n, bps: 0, fee: 0n, owner: 123n },
    ];
    await approve(BUYER, 2n ** 256n - 1n);
    for (const example of examples) {
      const before = { owner: await withdrawable(address(SELLER)), treasury: await withdrawable(address(ADMIN)) };
      await fixture().mined(fixture().marketplace(ADMIN).write.setFee([example.bps]));
      const { datasetId, termsId } = await publish({ downloadPrice: example.price, uri: `ipfs://example-${example.price}-${example.bps}` });
      await fixture().mined(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, example.price]));
      expect(await withdrawable(address(SELLER))).toBe(before.owner + example.owner);
      expect(await withdrawable(address(ADMIN))).toBe(before.treasury + example.fee);
    }
  });

  it('applies a fee change from the next sale on, and credits a new treasury from then on', async () => {
    const price = 1_234_567n;
    const { datasetId } = await publish({ downloadPrice: price });
    await buy(BUYER, datasetId, price);
    await fixture().mined(fixture().marketplace(ADMIN).write.setFee([1_000]));
    await fixture().mined(fixture().marketplace(ADMIN).write.setTreasury([address(STRANGER)]));
    const receipt = await buy(OTHER, datasetId, price);

    expect(marketplaceEvents(receipt, 'LicencePurchased')[0]?.args.fee).toBe(feeOn(price, 1_000n));
    expect(await withdrawable(address(ADMIN))).toBe(feeOn(price, 250n));
    expect(await withdrawable(address(STRANGER))).toBe(feeOn(price, 1_000n));
    expect(await withdrawable(address(SELLER))).toBe(price - feeOn(price, 250n) + price - feeOn(price, 1_000n));
  });

  it('credits a seller who is also the treasury both shares', async () => {
    const price = 999_999n;
    const { datasetId } = await publish({ downloadPrice: price }, ADMIN);
    await buy(BUYER, datasetId, price);
    expect(await withdrawable(address(ADMIN))).toBe(price);
  });
});

describe('licence expiry and renewal', () => {
  it('ends a licence at purchase time + accessDuration: valid one second before, gone at that second', async () => {
    const duration = 7n * DAY;
    const { datasetId } = await publish({ accessDuration: duration });
    const receipt = await buy(BUYER, datasetId, 10n ** 12n);
    const expiresAt = (await fixture().minedAt(receipt)) + duration;
    expect((await fixture().marketplace().read.licenceOf([datasetId, address(BUYER)])).expiresAt).toBe(expiresAt);

    await fixture().nextBlockAt(expiresAt - 1n);
    await fixture().testClient.mine({ blocks: 1 });
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(true);
    expect(await fixture().marketplace().read.canDecrypt([datasetId, address(BUYER)])).toBe(true);

    await fixture().nextBlockAt(expiresAt);
    await fixture().testClient.mine({ blocks: 1 });
    expect(await fixture().now()).toBe(expiresAt);
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(false);
    expect(await fixture().marketplace().read.canDecrypt([datasetId, address(BUYER)])).toBe(false);
    // The record stays; only its validity ended.
    expect((await fixture().marketplace().read.licenceOf([datasetId, address(BUYER)])).expiresAt).toBe(expiresAt);
  });

  it('makes accessDuration 0 perpetual (2^64 - 1) and refuses a second purchase with AlreadyLicensedForever', async () => {
    const { datasetId, termsId } = await publish({ accessDuration: 0n });
    const receipt = await buy(BUYER, datasetId, 10n ** 12n);
    expect(marketplaceEvents(receipt, 'LicencePurchased')[0]?.args.expiresAt).toBe(PERPETUAL);
    expect((await fixture().marketplace().read.licenceOf([datasetId, address(BUYER)])).expiresAt).toBe(2n ** 64n - 1n);
    await fixture().travel(100n * 365n * DAY);
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(true);
    await approve(BUYER, 10n ** 12n);
    await expectRevert(fixture().marketplace(BUYER).write.buyLicence([datasetId, termsId, 10n ** 12n]), 'AlreadyLicensedForever', [datasetId]);
  });

  it('caps an expiry past 2^64 - 1 at perpetual', async () => {
    const { datasetId } = await publish({ accessDuration: maxUint64 - 1n });
    const receipt = await buy(BUYER, datasetId, 10n ** 12n);
    const purchasedAt = await fixture().minedAt(receipt);
    expect(purchasedAt + maxUint64 - 1n).toBeGreaterThan(PERPETUAL);
    expect((await fixture().marketplace().read.licenceOf([datasetId, address(BUYER)])).expiresAt).toBe(PERPETUAL);
  });

  it('extends an unexpired licence from its current expiry, charging again', async () => {
    const duration = 30n * DAY;
    const price = terms().downloadPrice;
    const { datasetId } = await publish({ accessDuration: duration });
    const first = await buy(BUYER, datasetId, price);
    const firstExpiry = (await fixture().minedAt(first)) + duration;
    await fixture().travel(10n * DAY);

    const second = await buy(BUYER, datasetId, price);
    expect(marketplaceEvents(second, 'LicencePurchased')[0]?.args.expiresAt).toBe(firstExpiry + duration);
    expect((await fixture().marketplace().read.licenceOf([datasetId, address(BUYER)])).expiresAt).toBe(firstExpiry + duration);
    expect(await withdrawable(address(SELLER))).toBe(2n * (price - feeOn(price, 250n)));
  });

  it('restarts an expired licence from the purchase time', async () => {
    const duration = DAY;
    const { datasetId } = await publish({ accessDuration: duration });
    await buy(BUYER, datasetId, 10n ** 12n);
    await fixture().travel(5n * DAY);
    const receipt = await buy(BUYER, datasetId, 10n ** 12n);
    expect((await fixture().marketplace().read.licenceOf([datasetId, address(BUYER)])).expiresAt).toBe(
      (await fixture().minedAt(receipt)) + duration,
    );
  });

  it('turns a timed licence perpetual when it is renewed under perpetual terms', async () => {
    const { datasetId } = await publish({ accessDuration: DAY });
    await buy(BUYER, datasetId, 10n ** 12n);
    const perpetualTerms = terms({ accessDuration: 0n });
    await fixture().mined(fixture().registry(SELLER).write.registerTerms([perpetualTerms]));
    const termsId = await fixture().registry().read.termsIdOf([perpetualTerms]);
    await fixture().mined(fixture().registry(SELLER).write.setTerms([datasetId, termsId]));
    await buy(BUYER, datasetId, 10n ** 12n);
    expect(await fixture().marketplace().read.licenceOf([datasetId, address(BUYER)])).toEqual({ termsId, expiresAt: PERPETUAL });
  });

  it('keeps sold licences valid after the dataset is delisted', async () => {
    const { datasetId } = await publish();
    await buy(BUYER, datasetId, 10n ** 12n);
    await fixture().mined(fixture().registry(SELLER).write.delist([datasetId]));
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(true);
    expect(await fixture().marketplace().read.canDecrypt([datasetId, address(BUYER)])).toBe(true);
  });

  it('reports no licence (zeroes) for an account that never bought', async () => {
    const { datasetId } = await publish();
    expect(await fixture().marketplace().read.licenceOf([datasetId, address(STRANGER)])).toEqual({ termsId: 0n, expiresAt: 0n });
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(STRANGER)])).toBe(false);
    expect(await fixture().marketplace().read.hasLicence([999n, address(STRANGER)])).toBe(false);
  });
});

describe('buyLicenceWithPermit', () => {
  it('buys with a signed permit instead of an approval', async () => {
    const price = 2_500_000n;
    const maxPrice = 3_000_000n;
    const { datasetId, termsId } = await publish({ downloadPrice: price });
    const deadline = (await fixture().now()) + 3_600n;
    const { v, r, s, nonce } = await fixture().signPermit({ owner: BUYER, spender: marketplaceAddress(), value: maxPrice, deadline });
    const before = await balanceOf(address(BUYER));

    const receipt = await fixture().mined(fixture().marketplace(BUYER).write.buyLicenceWithPermit([datasetId, termsId, maxPrice, deadline, v, r, s]));
    const expiresAt = (await fixture().minedAt(receipt)) + terms().accessDuration;
    expect(marketplaceEvents(receipt, 'LicencePurchased').map((e) => e.args)).toEqual([
      { datasetId, buyer: address(BUYER), owner: address(SELLER), termsId, currency: token(), price, fee: feeOn(price, 250n), expiresAt },
    ]);
    expect(eventsOf(mockStablecoinAbi, receipt.logs, 'Approval').map((e) => e.args)[0]).toEqual({
      owner: address(BUYER),
      spender: marketplaceAddress(),
      value: maxPrice,
    });
    expect(await fixture().stablecoin().read.nonces([address(BUYER)])).toBe(nonce + 1n);
    expect(await fixture().stablecoin().read.allowance([address(BUYER), marketplaceAddress()])).toBe(maxPrice - price);
    expect(await balanceOf(address(BUYER))).toBe(before - price);
    expect(await withdrawable(address(SELLER))).toBe(price - feeOn(price, 250n));
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(true);
  });

  it('still buys when the permit was already used (front-run): the allowance it set decides', async () => {
    const price = 1_000n;
    const { datasetId, termsId } = await publish({ downloadPrice: price });
    const deadline = (await fixture().now()) + 3_600n;
    const { v, r, s } = await fixture().signPermit({ owner: BUYER, spender: marketplaceAddress(), value: price, deadline });
    // Someone else submits the buyer's permit first.
    await fixture().mined(fixture().stablecoin(STRANGER).write.permit([address(BUYER), marketplaceAddress(), price, deadline, v, r, s]));
    await fixture().mined(fixture().marketplace(BUYER).write.buyLicenceWithPermit([datasetId, termsId, price, deadline, v, r, s]));
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(true);
  });

  it('falls back on an existing allowance when the permit is invalid, and fails without one', async () => {
    const price = 1_000n;
    const { datasetId, termsId } = await publish({ downloadPrice: price });
    const now = await fixture().now();
    const expired = await fixture().signPermit({ owner: BUYER, spender: marketplaceAddress(), value: price, deadline: now - 1n });
    // Signed by someone other than the buyer.
    const forged = await fixture().signPermit({ owner: OTHER, spender: marketplaceAddress(), value: price, deadline: now + 3_600n });

    for (const [deadline, permit] of [
      [now - 1n, expired],
      [now + 3_600n, forged],
    ] as const) {
      await expectRevert(
        fixture().marketplace(BUYER).write.buyLicenceWithPermit([datasetId, termsId, price, deadline, permit.v, permit.r, permit.s]),
        'ERC20InsufficientAllowance',
        [marketplaceAddress(), 0n, price],
      );
    }
    await approve(BUYER, price);
    await fixture().mined(
      fixture().marketplace(BUYER).write.buyLicenceWithPermit([datasetId, termsId, price, now - 1n, expired.v, expired.r, expired.s]),
    );
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(true);
  });

  it('checks the dataset and price like buyLicence', async () => {
    const price = 1_000n;
    const { datasetId, termsId } = await publish({ downloadPrice: price });
    const deadline = (await fixture().now()) + 3_600n;
    const low = await fixture().signPermit({ owner: BUYER, spender: marketplaceAddress(), value: price - 1n, deadline });
    await expectRevert(
      fixture().marketplace(BUYER).write.buyLicenceWithPermit([datasetId, termsId, price - 1n, deadline, low.v, low.r, low.s]),
      'PriceAboveMax',
      [price, price - 1n],
    );
    const permit = await fixture().signPermit({ owner: BUYER, spender: marketplaceAddress(), value: price, deadline });
    await expectRevert(
      fixture().marketplace(BUYER).write.buyLicenceWithPermit([datasetId + 1n, termsId, price, deadline, permit.v, permit.r, permit.s]),
      'UnknownDataset',
      [datasetId + 1n],
    );
    await fixture().mined(fixture().registry(SELLER).write.delist([datasetId]));
    await expectRevert(
      fixture().marketplace(BUYER).write.buyLicenceWithPermit([datasetId, termsId, price, deadline, permit.v, permit.r, permit.s]),
      'DatasetNotListed',
      [datasetId],
    );
    const computeOnly = await publish({ computeOnly: true, downloadPrice: 0n });
    await expectRevert(
      fixture().marketplace(BUYER).write.buyLicenceWithPermit([computeOnly.datasetId, computeOnly.termsId, price, deadline, permit.v, permit.r, permit.s]),
      'ComputeOnlyDataset',
      [computeOnly.datasetId],
    );
  });
});

  it('reverts TermsMismatch when setPrices lands in the same block before it, leaving the permit unused', async () => {
    const price = 1_000n;
    const { datasetId, termsId } = await publish({ downloadPrice: price });
    const deadline = (await fixture().now()) + 3_600n;
    const { v, r, s, nonce } = await fixture().signPermit({ owner: BUYER, spender: marketplaceAddress(), value: price, deadline });
    const [changed, bought] = await fixture().inOneBlock([
      () => fixture().registry(SELLER).write.setPrices([datasetId, price, 1n], { gas: IN_BLOCK_GAS }),
      () => fixture().marketplace(BUYER).write.buyLicenceWithPermit([datasetId, termsId, price, deadline, v, r, s], { gas: IN_BLOCK_GAS }),
    ]);
    expect(changed!.status).toBe('success');
    await expectRevert(fixture().minedRevert(bought!), 'TermsMismatch', [datasetId, termsId, await offeredTerms(datasetId)]);
    expect(await fixture().stablecoin().read.nonces([address(BUYER)])).toBe(nonce);
    expect(await fixture().marketplace().read.hasLicence([datasetId, address(BUYER)])).toBe(false);
  });

describe('transferLicence', () => {
  it('moves a transferable licence with its terms and expiry, emitting LicenceTransferred', async () => {
    const { datasetId, termsId } = await publish({ transferable: true });
    const receipt = await buy(BUYER, datasetId, 10n ** 12n);
    const expiresAt = (await fixture().minedAt(receipt)) + terms().accessDuration;

    const moved = await fixture().mined(fixture().marketplace(BUYER).write.transferLicence([datasetId, address(OTHER)]));
    expect(marketplaceEvents(moved, 'LicenceTransferred').map((e) => e.args)).toEqual([
      { datasetId, from: address(BUYER), to: address(OTHER), expiresAt },
    ]);
    const marketplace = fixture().marketplace();
    expect(await marketplace.read.licenceOf([datasetId, address(OTHER)])).toEqual({ termsId, expiresAt });
    expect(await marketplace.read.licenceOf([datasetId, address(BUYER)])).toEqual({ termsId: 0n, expiresAt: 0n });
    expect(await marketplace.read.hasLicence([datasetId, address(BUYER)])).toBe(false);
    expect(await marketplace.read.canDecrypt([datasetId, address(BUYER)])).toBe(false);
    expect(await marketplace.read.canDecrypt([datasetId, address(OTHER)])).toBe(true);
    await expectRevert(fixture().marketplace(BUYER).write.transferLicence([datasetId, address(STRANGER)]), 'NoLicence', [
      datasetId,
      address(BUYER),
    ]);
  });

  it('moves perpetual licences, and licences of delisted datasets', async () => {
    const { datasetId } = await publish({ transferable: true, accessDuration: 0n });
    await buy(BUYER, datasetId, 10n ** 12n);
    await fixture().mined(fixture().registry(SELLER).write.delist([datasetId]));
    await fixture().mined(fixture().marketplace(BUYER).write.transferLicence([datasetId, address(OTHER)]));
    expect((await fixture().marketplace().read.licenceOf([datasetId, address(OTHER)])).expiresAt).toBe(PERPETUAL);
  });

  it('reverts LicenceNotTransferable under non-transferable terms', async () => {
    const { datasetId } = await publish({ transferable: false });
    await buy(BUYER, datasetId, 10n ** 12n);
    await expectRevert(fixture().marketplace(BUYER).write.transferLicence([datasetId, address(OTHER)]), 'LicenceNotTransferable', [
      datasetId,
    ]);
  });

  it('judges transferability by the terms the licence was bought under, not the current ones', async () => {
    const transferable = await publish({ transferable: true });
    const fixed = await publish({ transferable: false });
    await buy(BUYER, transferable.datasetId, 10n ** 12n);
    await buy(BUYER, fixed.datasetId, 10n ** 12n);
    // The owners swap the datasets' terms after the sales.
    await fixture().mined(fixture().registry(SELLER).write.setTerms([transferable.datasetId, fixed.termsId]));
    await fixture().mined(fixture().registry(SELLER).write.setTerms([fixed.datasetId, transferable.termsId]));

    await fixture().mined(fixture().marketplace(BUYER).write.transferLicence([transferable.datasetId, address(OTHER)]));
    await expectRevert(fixture().marketplace(BUYER).write.transferLicence([fixed.datasetId, address(OTHER)]), 'LicenceNotTransferable', [
      fixed.datasetId,
    ]);
  });

  it('reverts NoLicence without a licence and after it expired', async () => {
    const { datasetId } = await publish({ transferable: true, accessDuration: DAY });
    await expectRevert(fixture().marketplace(BUYER).write.transferLicence([datasetId, address(OTHER)]), 'NoLicence', [
      datasetId,
      address(BUYER),
    ]);
    await expectRevert(fixture().marketplace(BUYER).write.transferLicence([99n, address(OTHER)]), 'NoLicence', [99n, address(BUYER)]);
    await buy(BUYER, datasetId, 10n ** 12n);
    await fixture().travel(DAY);
    await expectRevert(fixture().marketplace(BUYER).write.transferLicence([datasetId, address(OTHER)]), 'NoLicence', [
      datasetId,
      address(BUYER),
    ]);
  });

  it('reverts RecipientAlreadyLicensed when the recipient (or the sender itself) holds a valid licence', async () => {
    const { datasetId } = await publish({ transferable: true, accessDuration: DAY });
    await buy(BUYER, datasetId, 10n ** 12n);
    await buy(OTHER, datasetId, 10n ** 12n);
    await expectRevert(fixture().marketplace(BUYER).write.transferLicence([datasetId, address(OTHER)]), 'RecipientAlreadyLicensed', [
      datasetId,
      address(OTHER),
    ]);
    await expectRevert(fixture().marketplace(BUYER).write.transferLicence([datasetId, address(BUYER)]), 'RecipientAlreadyLicensed', [
      datasetId,
      address(BUYER),
    ]);
  });

  it('replaces an expired licence of the recipient', async () => {
    const { datasetId } = await publish({ transferable: true, accessDuration: DAY });
    await buy(OTHER, datasetId, 10n ** 12n);
    await fixture().travel(2n * DAY);
    const receipt = await buy(BUYER, datasetId, 10n ** 12n);
    await fixture().mined(fixture().marketplace(BUYER).write.transferLicence([datasetId, address(OTHER)]));
    expect((await fixture().marketplace().read.licenceOf([datasetId, address(OTHER)])).expiresAt).toBe(
      (await fixture().minedAt(receipt)) + DAY,
    );
  });

  it('reverts ZeroAddress for the zero recipient', async () => {
    const { datasetId } = await publish({ transferable: true });
    await buy(BUYER, datasetId, 10n ** 12n);
    await expectRevert(fixture().marketplace(BUYER).write.transferLicence([datasetId, zeroAddress]), 'ZeroAddress', []);
  });
});

describe('withdraw', () => {
  it('pays out exactly the credited amount, emits Withdrawn and zeroes the balance', async () => {
    const price = 1_234_567n;
    const { datasetId } = await publish({ downloadPrice: price });
    await buy(BUYER, datasetId, price);
    await buy(OTHER, datasetId, price);
    const expected = 2n * (price - feeOn(price, 250n));
    expect(await withdrawable(address(SELLER))).toBe(expected);

    const [sellerBefore, marketBefore] = [await balanceOf(address(SELLER)), await balanceOf(marketplaceAddress())];
    expect((await fixture().marketplace(SELLER).simulate.withdraw([token()])).result).toBe(expected);
    const receipt = await fixture().mined(fixture().marketplace(SELLER).write.withdraw([token()]));
    expect(marketplaceEvents(receipt, 'Withdrawn').map((e) => e.args)).toEqual([{ token: token(), account: address(SELLER), amount: expected }]);
    expect(tokenTransfers(receipt)).toEqual([{ from: marketplaceAddress(), to: address(SELLER), value: expected }]);
    expect(await balanceOf(address(SELLER))).toBe(sellerBefore + expected);
    expect(await balanceOf(marketplaceAddress())).toBe(marketBefore - expected);
    expect(await withdrawable(address(SELLER))).toBe(0n);

    await expectRevert(fixture().marketplace(SELLER).write.withdraw([token()]), 'NothingToWithdraw', [token(), address(SELLER)]);
  });

  it('pays the treasury its fees, leaving the seller credit untouched', async () => {
    const price = 7_777_777n;
    const { datasetId } = await publish({ downloadPrice: price });
    await buy(BUYER, datasetId, price);
    const before = await balanceOf(address(ADMIN));
    await fixture().mined(fixture().marketplace(ADMIN).write.withdraw([token()]));
    expect(await balanceOf(address(ADMIN))).toBe(before + feeOn(price, 250n));
    expect(await balanceOf(marketplaceAddress())).toBe(price - feeOn(price, 250n));
    expect(await withdrawable(address(SELLER))).toBe(price - feeOn(price, 250n));
  });

  it('pays each treasury the fees earned while it held the role, before and after its own withdrawals', async () => {
    const price = 1_000_000n;
    const fee = feeOn(price, 250n);
    const { datasetId } = await publish({ downloadPrice: price });
    await buy(BUYER, datasetId, price);
    await fixture().mined(fixture().marketplace(ADMIN).write.withdraw([token()]));
    expect(await withdrawable(address(ADMIN))).toBe(0n);
    await expectRevert(fixture().marketplace(ADMIN).write.withdraw([token()]), 'NothingToWithdraw', [token(), address(ADMIN)]);

    await buy(OTHER, datasetId, price);
    await fixture().mined(fixture().marketplace(ADMIN).write.setTreasury([address(STRANGER)]));
    await buy(BUYER, datasetId, price);
    expect(await withdrawable(address(ADMIN))).toBe(fee);
    expect(await withdrawable(address(STRANGER))).toBe(fee);

    for (const account of [ADMIN, STRANGER]) {
      const receipt = await fixture().mined(fixture().marketplace(account).write.withdraw([token()]));
      expect(marketplaceEvents(receipt, 'Withdrawn').map((e) => e.args)).toEqual([{ token: token(), account: address(account), amount: fee }]);
      expect(await withdrawable(address(account))).toBe(0n);
    }
    expect(await balanceOf(marketplaceAddress())).toBe(3n * (price - fee));
    expect(await withdrawable(address(SELLER))).toBe(3n * (price - fee));
  });

  it('reverts NothingToWithdraw for an account never credited and for a token never paid in', async () => {
    await expectRevert(fixture().marketplace(STRANGER).write.withdraw([token()]), 'NothingToWithdraw', [token(), address(STRANGER)]);
    const other = fixture().deployments.contracts.datasetRegistry;
    await expectRevert(fixture().marketplace(SELLER).write.withdraw([other]), 'NothingToWithdraw', [other, address(SELLER)]);
  });
});

describe('dataset NFT transfer', () => {
  it('sends future revenue to the new owner while past credits stay with the old one', async () => {
    const price = 1_234_567n;
    const share = price - feeOn(price, 250n);
    const { datasetId } = await publish({ downloadPrice: price });
    await buy(BUYER, datasetId, price);
    await fixture().mined(fixture().registry(SELLER).write.transferFrom([address(SELLER), address(OTHER), datasetId]));

    const receipt = await buy(STRANGER, datasetId, price);
    expect(marketplaceEvents(receipt, 'LicencePurchased')[0]?.args.owner).toBe(address(OTHER));
    expect(await withdrawable(address(SELLER))).toBe(share);
    expect(await withdrawable(address(OTHER))).toBe(share);

    for (const account of [SELLER, OTHER]) {
      const before = await balanceOf(address(account));
      await fixture().mined(fixture().marketplace(account).write.withdraw([token()]));
      expect(await balanceOf(address(account))).toBe(before + share);
    }
  });

  it('moves the owner access in canDecrypt to the new holder', async () => {
    const { datasetId } = await publish();
    await fixture().mined(fixture().registry(SELLER).write.transferFrom([address(SELLER), address(OTHER), datasetId]));
    expect(await fixture().marketplace().read.canDecrypt([datasetId, address(SELLER)])).toBe(false);
    expect(await fixture().marketplace().read.canDecrypt([datasetId, address(OTHER)])).toBe(true);
  });
});

describe('canDecrypt', () => {
  it('is true for the owner without a licence and for a licence holder, false for strangers', async () => {
    const { datasetId } = await publish({ downloadPrice: 1n });
    const marketplace = fixture().marketplace();
    expect(await marketplace.read.canDecrypt([datasetId, address(SELLER)])).toBe(true);
    expect(await marketplace.read.hasLicence([datasetId, address(SELLER)])).toBe(false);
    expect(await marketplace.read.canDecrypt([datasetId, address(BUYER)])).toBe(false);
    await buy(BUYER, datasetId, 1n);
    expect(await marketplace.read.canDecrypt([datasetId, address(BUYER)])).toBe(true);
    expect(await marketplace.read.canDecrypt([datasetId, address(STRANGER)])).toBe(false);
    expect(await marketplace.read.canDecrypt([datasetId, zeroAddress])).toBe(false);
  });

  it('is false once the licence expired', async () => {
    const { datasetId } = await publish({ accessDuration: 60n });
    await buy(BUYER, datasetId, 10n ** 12n);
    await fixture().travel(61n);
    expect(await fixture().marketplace().read.canDecrypt([datasetId, address(BUYER)])).toBe(false);
  });

  it('returns false for unknown datasets instead of reverting, even for the zero address', async () => {
    await publish();
    const marketplace = fixture().marketplace();
    for (const unknown of [0n, 2n, 2n ** 256n - 1n]) {
      for (const account of [address(SELLER), address(STRANGER), zeroAddress]) {
        expect(await marketplace.read.canDecrypt([unknown, account])).toBe(false);
      }
    }
  });
});
