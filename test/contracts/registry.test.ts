/**
 * DatasetRegistry against a real anvil: terms registration and validation, dataset id reservations and publishing
 * under them, metadata versions, prices, terms and listing changes, data NFT ownership, currencies and roles.
 */
import {
  keccak256,
  toFunctionSelector,
  toHex,
  zeroAddress,
  zeroHash,
  type ContractEventName,
  type TransactionReceipt,
} from 'viem';
import { contractsOf, datasetRegistryAbi } from '@/lib/contracts';
import { eventsOf, expectRevert } from '../helpers/expect';
import { metadataPointer, termsFor, type MetadataPointer, type Terms } from '../helpers/terms';
import { IN_BLOCK_GAS, useMarketFixture, type Published } from './fixture';

const fixture = useMarketFixture();

const CURRENCY_ADMIN_ROLE = keccak256(toHex('CURRENCY_ADMIN_ROLE'));
const OWNER = 1;
const STRANGER = 2;

/** The registry's `eventName` events in `receipt`. */
function registryEvents<name extends ContractEventName<typeof datasetRegistryAbi>>(receipt: TransactionReceipt, eventName: name) {
  return eventsOf(datasetRegistryAbi, receipt.logs, eventName, fixture().deployments.contracts.datasetRegistry);
}

function defaultTerms(overrides: Partial<Terms> = {}): Terms {
  return termsFor({ currency: fixture().deployments.stablecoin.address, ...overrides });
}

/** Registers `terms` as `account` and returns the id the registry assigned (read from a simulation first). */
async function register(terms: Terms, account = OWNER): Promise<bigint> {
  const registry = fixture().registry(account);
  const { result } = await registry.simulate.registerTerms([terms]);
  await fixture().mined(registry.write.registerTerms([terms]));
  return result;
}

let published = 0;

/** Publishes as `account` under fresh default terms (or `terms`), reserving an id first as a client does. */
async function publish(options: { account?: number; terms?: Terms; metadata?: MetadataPointer } = {}): Promise<Published> {
  const account = options.account ?? OWNER;
  const termsId = await register(options.terms ?? defaultTerms(), account);
  return fixture().publish(account, options.metadata ?? metadataPointer(`dataset-${++published}`), termsId);
}

describe('deployment', () => {
  it('is an ERC-721 named "Datagora Dataset" (DATA) with no datasets or terms yet', async () => {
    const registry = fixture().registry();
    expect(await registry.read.name()).toBe('Datagora Dataset');
    expect(await registry.read.symbol()).toBe('DATA');
    expect(await registry.read.datasetCount()).toBe(0n);
    expect(await registry.read.nextDatasetId()).toBe(1n);
    expect(await registry.read.termsCount()).toBe(0n);
  });

  it('gives the deployer both admin roles and allows the stablecoin', async () => {
    const registry = fixture().registry();
    const admin = fixture().address(0);
    expect(await registry.read.CURRENCY_ADMIN_ROLE()).toBe(CURRENCY_ADMIN_ROLE);
    expect(await registry.read.DEFAULT_ADMIN_ROLE()).toBe(zeroHash);
    expect(await registry.read.hasRole([zeroHash, admin])).toBe(true);
    expect(await registry.read.hasRole([CURRENCY_ADMIN_ROLE, admin])).toBe(true);
    expect(await registry.read.hasRole([CURRENCY_ADMIN_ROLE, fixture().address(STRANGER)])).toBe(false);
    expect(await registry.read.getRoleAdmin([CURRENCY_ADMIN_ROLE])).toBe(zeroHash);
    expect(await registry.read.isCurrencyAllowed([fixture().deployments.stablecoin.address])).toBe(true);
  });

  it('allowed the stablecoin at deployment with CurrencyAllowed', async () => {
    const events = await fixture().publicClient.getContractEvents({
      ...contractsOf(fixture().deployments).registry,
      eventName: 'CurrencyAllowed',
      fromBlock: 0n,
      strict: true,
    });
    expect(events.map((e) => e.args)).toEqual([{ currency: fixture().deployments.stablecoin.address, allowed: true }]);
  });

  it('supports the ERC-165, ERC-721, ERC-721 metadata and AccessControl interfaces only', async () => {
    const registry = fixture().registry();
    const erc165 = toFunctionSelector('supportsInterface(bytes4)');
    expect(await registry.read.supportsInterface([erc165])).toBe(true);
    expect(await registry.read.supportsInterface(['0x80ac58cd'])).toBe(true); // ERC-721
    expect(await registry.read.supportsInterface(['0x5b5e139f'])).toBe(true); // ERC-721 metadata
    expect(await registry.read.supportsInterface(['0x7965db0b'])).toBe(true); // IAccessControl
    expect(await registry.read.supportsInterface(['0xffffffff'])).toBe(false);
    expect(await registry.read.supportsInterface(['0x12345678'])).toBe(false);
  });
});

describe('setCurrencyAllowed', () => {
  it('lets the currency admin allow and disallow a contract, emitting CurrencyAllowed each time', async () => {
    const other = fixture().deployments.contracts.marketplace; // any contract will do
    const registry = fixture().registry(0);
    const allowed = await fixture().mined(registry.write.setCurrencyAllowed([other, true]));
    expect(registryEvents(allowed, 'CurrencyAllowed').map((e) => e.args)).toEqual([{ currency: other, allowed: true }]);
    expect(await registry.read.isCurrencyAllowed([other])).toBe(true);

    const disallowed = await fixture().mined(registry.write.setCurrencyAllowed([other, false]));
    expect(registryEvents(disallowed, 'CurrencyAllowed').map((e) => e.args)).toEqual([{ currency: other, allowed: false }]);
    expect(await registry.read.isCurrencyAllowed([other])).toBe(false);
  });

  it('refuses to allow an account without code (CurrencyNotAContract) but lets one be disallowed', async () => {
    const eoa = fixture().address(STRANGER);
    await expectRevert(fixture().registry(0).write.setCurrencyAllowed([eoa, true]), 'CurrencyNotAContract', [eoa]);
    await fixture().mined(fixture().registry(0).write.setCurrencyAllowed([eoa, false]));
    expect(await fixture().registry().read.isCurrencyAllowed([eoa])).toBe(false);
  });

  it('is restricted to CURRENCY_ADMIN_ROLE, which the admin can grant, revoke and holders renounce', async () => {
    const stranger = fixture().address(STRANGER);
    const currency = fixture().deployments.contracts.marketplace;
    await expectRevert(fixture().registry(STRANGER).write.setCurrencyAllowed([currency, true]), 'AccessControlUnauthorizedAccount', [
      stranger,
      CURRENCY_ADMIN_ROLE,
    ]);

    const granted = await fixture().mined(fixture().registry(0).write.grantRole([CURRENCY_ADMIN_ROLE, stranger]));
    expect(registryEvents(granted, 'RoleGranted').map((e) => e.args)).toEqual([
      { role: CURRENCY_ADMIN_ROLE, account: stranger, sender: fixture().address(0) },
    ]);
    await fixture().mined(fixture().registry(STRANGER).write.setCurrencyAllowed([currency, true]));
    expect(await fixture().registry().read.isCurrencyAllowed([currency])).toBe(true);

    const revoked = await fixture().mined(fixture().registry(0).write.revokeRole([CURRENCY_ADMIN_ROLE, stranger]));
    expect(registryEvents(revoked, 'RoleRevoked')).toHaveLength(1);
    await expectRevert(fixture().registry(STRANGER).write.setCurrencyAllowed([currency, false]), 'AccessControlUnauthorizedAccount');

    await fixture().mined(fixture().registry(0).write.grantRole([CURRENCY_ADMIN_ROLE, stranger]));
    await expectRevert(
      fixture().registry(STRANGER).write.renounceRole([CURRENCY_ADMIN_ROLE, fixture().address(0)]),
      'AccessControlBadConfirmation',
    );
    await fixture().mined(fixture().registry(STRANGER).write.renounceRole([CURRENCY_ADMIN_ROLE, stranger]));
    expect(await fixture().registry().read.hasRole([CURRENCY_ADMIN_ROLE, stranger])).toBe(false);
  });

  it('only lets the default admin grant roles', async () => {
    const stranger = fixture().address(STRANGER);
    await expectRevert(fixture().registry(STRANGER).write.grantRole([CURRENCY_ADMIN_ROLE, stranger]), 'AccessControlUnauthorizedAccount', [
      stranger,
      zeroHash,
    ]);
  });

  it('keeps terms registered in a currency usable after it is disallowed, but refuses new terms in it', async () => {
    const currency = fixture().deployments.stablecoin.address;
    const termsId = await register(defaultTerms());
    await fixture().mined(fixture().registry(0).write.setCurrencyAllowed([currency, false]));

    await fixture().publish(OWNER, metadataPointer('after-disallow'), termsId);
    // Identical terms resolve to their existing id without being validated again.
    expect(await register(defaultTerms())).toBe(termsId);
    await expectRevert(fixture().registry(OWNER).write.registerTerms([defaultTerms({ uri: 'ipfs://new' })]), 'CurrencyNotAllowed', [
      currency,
    ]);
  });
});

describe('registerTerms', () => {
  it('stores the terms under the next id and emits TermsRegistered with all of them', async () => {
    const terms = defaultTerms({ aiTrainingAllowed: true, commercialRevShare: 1_500, derivativesAllowed: true });
    const registry = fixture().registry(OWNER);
    const receipt = await fixture().mined(registry.write.registerTerms([terms]));
    const events = registryEvents(receipt, 'TermsRegistered');
    expect(events.map((e) => e.args)).toEqual([{ termsId: 1n, terms }]);
    expect(await registry.read.getTerms([1n])).toEqual(terms);
    expect(await registry.read.termsIdOf([terms])).toBe(1n);
    expect(await registry.read.termsCount()).toBe(1n);
  });

  it('gives identical terms the same id and emits TermsRegistered only once', async () => {
    const terms = defaultTerms();
    const first = await register(terms, OWNER);
    // A second caller registering the very same terms gets the same id and no event.
    const registry = fixture().registry(STRANGER);
    expect((await registry.simulate.registerTerms([terms])).result).toBe(first);
    const receipt = await fixture().mined(registry.write.registerTerms([terms]));
    expect(registryEvents(receipt, 'TermsRegistered')).toHaveLength(0);
    expect(await registry.read.termsCount()).toBe(1n);
  });

  it('gives terms that differ in any field a new id', async () => {
    const base = defaultTerms();
    const variants: Terms[] = [
      { ...base, uri: `${base.uri}-v2` },
      { ...base, downloadPrice: base.downloadPrice + 1n },
      { ...base, computePrice: base.computePrice + 1n },
      { ...base, accessDuration: 0n },
      { ...base, aiTrainingAllowed: !base.aiTrainingAllowed },
      { ...base, transferable: !base.transferable },
      { ...base, commercialAttribution: false },
    ];
    const ids = [await register(base)];
    for (const variant of variants) ids.push(await register(variant));
    expect(ids).toEqual(ids.map((_, i) => BigInt(i + 1)));
    expect(await fixture().registry().read.termsCount()).toBe(BigInt(variants.length + 1));
  });

  it('returns 0 from termsIdOf for terms never registered', async () => {
    expect(await fixture().registry().read.termsIdOf([defaultTerms({ uri: 'ipfs://never' })])).toBe(0n);
  });

  it('reverts getTerms for id 0 and for ids not yet assigned (UnknownTerms)', async () => {
    const registry = fixture().registry();
    await expectRevert(registry.read.getTerms([0n]), 'UnknownTerms', [0n]);
    await expectRevert(registry.read.getTerms([1n]), 'UnknownTerms', [1n]);
    await register(defaultTerms());
    await expectRevert(registry.read.getTerms([2n]), 'UnknownTerms', [2n]);
  });

  it('accepts the consistent edge cases: 100% revenue share, derivatives with attribution and reciprocity, free compute-only', async () => {
    await register(defaultTerms({ commercialUse: true, commercialRevShare: 10_000 }));
    await register(defaultTerms({ derivativesAllowed: true, derivativesAttribution: true, derivativesReciprocal: true }));
    await register(defaultTerms({ computeOnly: true, downloadPrice: 0n, transferable: false }));
    await register(defaultTerms({ commercialUse: false, commercialAttribution: false, commercialRevShare: 0 }));
    expect(await fixture().registry().read.termsCount()).toBe(4n);
  });

  type Inconsistent = { case: string; overrides: () => Partial<Terms>; error: string; args: (terms: Terms) => readonly unknown[] };
  const noArgs = () => [];
  const inconsistent: Inconsistent[] = [
    { case: 'a revenue share over 100%', overrides: () => ({ commercialRevShare: 10_001 }), error: 'RevShareTooHigh', args: (t) => [t.commercialRevShare] },
    { case: 'the largest revenue share', overrides: () => ({ commercialRevShare: 65_535 }), error: 'RevShareTooHigh', args: (t) => [t.commercialRevShare] },
    {
      case: 'commercial attribution without commercial use',
      overrides: () => ({ commercialUse: false, commercialAttribution: true }),
      error: 'CommercialTermsWithoutCommercialUse',
      args: noArgs,
    },
    {
      case: 'a revenue share without commercial use',
      overrides: () => ({ commercialUse: false, commercialAttribution: false, commercialRevShare: 1 }),
      error: 'CommercialTermsWithoutCommercialUse',
      args: noArgs,
    },
    {
      case: 'derivative attribution without derivatives',
      overrides: () => ({ derivativesAllowed: false, derivativesAttribution: true }),
      error: 'DerivativesAttributionWithoutDerivatives',
      args: noArgs,
    },
    {
      case: 'reciprocal derivatives without derivatives',
      overrides: () => ({ derivativesAllowed: false, derivativesReciprocal: true }),
      error: 'ReciprocalWithoutDerivatives',
      args: noArgs,
    },
    {
      case: 'a download price on compute-only terms',
      overrides: () => ({ computeOnly: true, downloadPrice: 1n }),
      error: 'DownloadPriceOnComputeOnly',
      args: noArgs,
    },
    {
      case: 'transferable compute-only terms',
      overrides: () => ({ computeOnly: true, downloadPrice: 0n, transferable: true }),
      error: 'TransferableComputeOnly',
      args: noArgs,
    },
    {
      case: 'a contract that is not an allowed currency',
      overrides: () => ({ currency: fixture().deployments.contracts.marketplace }),
      error: 'CurrencyNotAllowed',
      args: (t) => [t.currency],
    },
    {
      case: 'an account without code as currency',
      overrides: () => ({ currency: fixture().address(STRANGER) }),
      error: 'CurrencyNotAllowed',
      args: (t) => [t.currency],
    },
    { case: 'the zero address as currency', overrides: () => ({ currency: zeroAddress }), error: 'CurrencyNotAllowed', args: (t) => [t.currency] },
  ];

  it.each(inconsistent)('rejects $case with $error, in registerTerms and publishWithTerms alike', async ({ overrides, error, args }) => {
    const terms = defaultTerms(overrides());
    const registry = fixture().registry(OWNER);
    await expectRevert(registry.write.registerTerms([terms]), error, args(terms));
    await expectRevert(registry.write.publishWithTerms([metadataPointer('bad-terms'), terms, 1n]), error, args(terms));
    expect(await registry.read.termsCount()).toBe(0n);
  });
});

describe('publish', () => {
  it('mints the data NFT to the publisher, records the dataset and emits DatasetPublished', async () => {
    const owner = fixture().address(OWNER);
    const metadata = metadataPointer('first', 0x85);
    const { datasetId, termsId, receipt } = await publish({ metadata });
    expect(datasetId).toBe(1n);
    const registry = fixture().registry();

    expect(registryEvents(receipt, 'DatasetPublished').map((e) => e.args)).toEqual([{ datasetId, owner, termsId, metadata }]);
    expect(registryEvents(receipt, 'Transfer').map((e) => e.args)).toEqual([{ from: zeroAddress, to: owner, tokenId: datasetId }]);
    expect(await registry.read.ownerOf([datasetId])).toBe(owner);
    expect(await registry.read.balanceOf([owner])).toBe(1n);
    expect(await registry.read.datasetOwner([datasetId])).toBe(owner);
    expect(await registry.read.datasetCount()).toBe(1n);

    const publishedAt = Number(await fixture().minedAt(receipt));
    expect(await registry.read.getDataset([datasetId])).toEqual({
      termsId,
      version: 1,
      metadataCodec: metadata.codec,
      listed: true,
      publishedAt,
      updatedAt: publishedAt,
      kind: 0,
      ancestors: 0,
      constraints: 0,
      metadataDigest: metadata.digest,
    });
  });

  it('assigns consecutive ids across publishers, several datasets may share terms', async () => {
    const termsId = await register(defaultTerms());
    for (const [i, account] of [OWNER, STRANGER, OWNER].entries()) {
      const { datasetId, receipt } = await fixture().publish(account, metadataPointer(i), termsId);
      expect(datasetId).toBe(BigInt(i + 1));
      expect(registryEvents(receipt, 'DatasetPublished')[0]?.args).toMatchObject({ datasetId, owner: fixture().address(account), termsId });
    }
    expect(await fixture().registry().read.balanceOf([fixture().address(OWNER)])).toBe(2n);
    expect(await fixture().registry().read.datasetCount()).toBe(3n);
    expect(await fixture().nextDatasetId()).toBe(4n);
  });

  it('rejects terms id 0 and ids not yet registered (UnknownTerms)', async () => {
    const registry = fixture().registry(OWNER);
    const datasetId = await fixture().reserve(OWNER);
    await expectRevert(registry.write.publish([metadataPointer('x'), 0n, datasetId]), 'UnknownTerms', [0n]);
    await expectRevert(registry.write.publish([metadataPointer('x'), 1n, datasetId]), 'UnknownTerms', [1n]);
    const termsId = await register(defaultTerms());
    await expectRevert(registry.write.publish([metadataPointer('x'), termsId + 1n, datasetId]), 'UnknownTerms', [termsId + 1n]);
  });

  it('rejects a metadata pointer with a zero digest or a zero codec (InvalidMetadataPointer)', async () => {
    const termsId = await register(defaultTerms());
    const registry = fixture().registry(OWNER);
    const datasetId = await fixture().reserve(OWNER);
    const valid = metadataPointer('valid');
    await expectRevert(registry.write.publish([{ ...valid, digest: zeroHash }, termsId, datasetId]), 'InvalidMetadataPointer', []);
    await expectRevert(registry.write.publish([{ ...valid, codec: 0 }, termsId, datasetId]), 'InvalidMetadataPointer', []);
    await expectRevert(registry.write.publishWithTerms([{ ...valid, digest: zeroHash }, defaultTerms(), datasetId]), 'InvalidMetadataPointer', []);
    await expectRevert(registry.write.publishWithTerms([{ ...valid, codec: 0 }, defaultTerms(), datasetId]), 'InvalidMetadataPointer', []);
    expect(await registry.read.reservedBy([datasetId])).toBe(fixture().address(OWNER));
  });
});

describe('publishWithTerms', () => {
  it('registers new terms and publishes under them in one transaction', async () => {
    const owner = fixture().address(OWNER);
    const terms = defaultTerms({ uri: 'ipfs://with-terms' });
    const metadata = metadataPointer('with-terms');
    const { datasetId, termsId, receipt } = await fixture().publish(OWNER, metadata, terms);
    expect([datasetId, termsId]).toEqual([1n, 1n]);

    expect(registryEvents(receipt, 'TermsRegistered').map((e) => e.args)).toEqual([{ termsId, terms }]);
    expect(registryEvents(receipt, 'DatasetPublished').map((e) => e.args)).toEqual([{ datasetId, owner, termsId, metadata }]);
    expect(await fixture().registry().read.ownerOf([datasetId])).toBe(owner);
    expect((await fixture().registry().read.getOffer([datasetId])).termsId).toBe(termsId);
  });

  it('reuses identical terms without registering them again', async () => {
    const terms = defaultTerms();
    const termsId = await register(terms, STRANGER);
    const { receipt } = await fixture().publish(OWNER, metadataPointer('reuse'), terms);
    expect(registryEvents(receipt, 'TermsRegistered')).toHaveLength(0);
    expect(registryEvents(receipt, 'DatasetPublished')[0]?.args.termsId).toBe(termsId);
    expect(await fixture().registry().read.termsCount()).toBe(1n);
  });
});

describe('reserveDatasetId and DatasetIdNotReserved', () => {
  it('gives each caller the next id with DatasetIdReserved; only reservations advance the ids, publishing clears one', async () => {
    const registry = fixture().registry(OWNER);
    const termsId = await register(defaultTerms());
    expect(await fixture().nextDatasetId()).toBe(1n);
    expect((await registry.simulate.reserveDatasetId()).result).toBe(1n);
    const reserved = await fixture().mined(registry.write.reserveDatasetId());
    expect(registryEvents(reserved, 'DatasetIdReserved').map((e) => e.args)).toEqual([{ datasetId: 1n, account: fixture().address(OWNER) }]);
    expect(await registry.read.reservedBy([1n])).toBe(fixture().address(OWNER));
    expect(await fixture().reserve(STRANGER)).toBe(2n);
    expect(await registry.read.reservedBy([2n])).toBe(fixture().address(STRANGER));
    expect([await fixture().nextDatasetId(), await registry.read.datasetCount()]).toEqual([3n, 2n]);
    // A reserved id is no dataset yet.
    expect(await registry.read.isPublished([1n])).toBe(false);
    await expectRevert(registry.read.getDataset([1n]), 'UnknownDataset', [1n]);

    await expectRevert(registry.write.publish([{ ...metadataPointer('x'), codec: 0 }, termsId, 1n]), 'InvalidMetadataPointer', []);
    await fixture().mined(registry.write.publish([metadataPointer('first'), termsId, 1n]));
    expect(await registry.read.isPublished([1n])).toBe(true);
    expect(await registry.read.reservedBy([1n])).toBe(zeroAddress);
    expect([await fixture().nextDatasetId(), await registry.read.datasetCount()]).toEqual([3n, 2n]);
  });

  it('reservation required: publishing an id never reserved or reserved by another account reverts DatasetIdNotReserved, changing nothing', async () => {
    const termsId = await register(defaultTerms());
    const [owner, stranger] = [fixture().address(OWNER), fixture().address(STRANGER)];
    const registry = fixture().registry(OWNER);
    for (const never of [0n, 1n, 2n]) {
      await expectRevert(registry.write.publish([metadataPointer('never'), termsId, never]), 'DatasetIdNotReserved', [never, owner]);
    }

    const theirs = await fixture().reserve(STRANGER);
    await expectRevert(registry.write.publish([metadataPointer('theirs'), termsId, theirs]), 'DatasetIdNotReserved', [theirs, owner]);
    // Terms registered in the same transaction are rolled back with it.
    const newTerms = defaultTerms({ uri: 'ipfs://never-registered' });
    await expectRevert(registry.write.publishWithTerms([metadataPointer('theirs'), newTerms, theirs]), 'DatasetIdNotReserved', [theirs, owner]);
    expect(await registry.read.termsIdOf([newTerms])).toBe(0n);
    expect(await registry.read.termsCount()).toBe(1n);
    expect(await registry.read.isPublished([theirs])).toBe(false);
    expect(await registry.read.balanceOf([owner])).toBe(0n);

    // The reservation still belongs to the account that made it.
    expect(await registry.read.reservedBy([theirs])).toBe(stranger);
    await fixture().mined(fixture().registry(STRANGER).write.publish([metadataPointer('mine'), termsId, theirs]));
    expect(await registry.read.ownerOf([theirs])).toBe(stranger);
  });

  it('uses a reservation once: publishing again under the same id reverts DatasetIdNotReserved', async () => {
    const { datasetId, termsId } = await publish();
    await expectRevert(
      fixture().registry(OWNER).write.publish([metadataPointer('again'), termsId, datasetId]),
      'DatasetIdNotReserved',
      [datasetId, fixture().address(OWNER)],
    );
    expect((await fixture().registry().read.getDataset([datasetId])).version).toBe(1);
  });

  it('a front-runner reserving and publishing in the same block, ahead of the victim, does not make the victim’s publish fail', async () => {
    const termsId = await register(defaultTerms());
    // The victim reserved an id and prepared its envelope and metadata for it; its publish is pending.
    const victimId = await fixture().reserve(OWNER);
    const metadata = metadataPointer(`prepared for ${victimId}`);
    const gas = IN_BLOCK_GAS;
    const [reserved, stolen, victim] = await fixture().inOneBlock([
      () => fixture().registry(STRANGER).write.reserveDatasetId({ gas }),
      () => fixture().registry(STRANGER).write.publish([metadataPointer('front-runner'), termsId, victimId], { gas }),
      () => fixture().registry(OWNER).write.publish([metadata, termsId, victimId], { gas }),
    ]);

    expect(registryEvents(reserved!, 'DatasetIdReserved').map((e) => e.args)).toEqual([{ datasetId: victimId + 1n, account: fixture().address(STRANGER) }]);
    await expectRevert(fixture().minedRevert(stolen!), 'DatasetIdNotReserved', [victimId, fixture().address(STRANGER)]);
    expect(victim!.status).toBe('success');
    expect(registryEvents(victim!, 'DatasetPublished').map((e) => e.args)).toEqual([{ datasetId: victimId, owner: fixture().address(OWNER), termsId, metadata }]);
    expect(await fixture().registry().read.ownerOf([victimId])).toBe(fixture().address(OWNER));
  });

  it('keeps an id reserved and not published as a gap that never expires: datasetCount counts it, isPublished tells it apart', async () => {
    const held = await fixture().reserve(OWNER);
    const { datasetId: later, termsId } = await publish({ account: STRANGER });
    expect(later).toBe(held + 1n);
    const registry = fixture().registry();
    expect(await registry.read.datasetCount()).toBe(2n);
    expect([await registry.read.isPublished([held]), await registry.read.isPublished([later])]).toEqual([false, true]);
    await expectRevert(registry.read.getOffer([held]), 'UnknownDataset', [held]);

    await fixture().travel(365n * 24n * 3600n);
    await fixture().mined(fixture().registry(OWNER).write.publish([metadataPointer('a year later'), termsId, held]));
    expect(await registry.read.ownerOf([held])).toBe(fixture().address(OWNER));
  });
});

describe('getOffer, getDataset and datasetOwner', () => {
  it('combine the dataset record with its terms in getOffer', async () => {
    const terms = defaultTerms({ aiTrainingAllowed: true, accessDuration: 12_345n, downloadPrice: 7n, computePrice: 9n });
    const { datasetId, termsId } = await publish({ terms });
    expect(await fixture().registry().read.getOffer([datasetId])).toEqual({
      owner: fixture().address(OWNER),
      listed: true,
      termsId,
      currency: terms.currency,
      accessDuration: terms.accessDuration,
      computeOnly: terms.computeOnly,
      aiTrainingAllowed: terms.aiTrainingAllowed,
      downloadPrice: terms.downloadPrice,
      computePrice: terms.computePrice,
      ancestors: 0,
    });
  });

  it('report unknown ids: getOffer and getDataset revert with UnknownDataset, datasetOwner returns zero', async () => {
    await publish();
    const registry = fixture().registry();
    for (const unknown of [0n, 2n, 2n ** 256n - 1n]) {
      await expectRevert(registry.read.getOffer([unknown]), 'UnknownDataset', [unknown]);
      await expectRevert(registry.read.getDataset([unknown]), 'UnknownDataset', [unknown]);
      expect(await registry.read.datasetOwner([unknown])).toBe(zeroAddress);
    }
  });
});

describe('updateMetadata', () => {
  it('increments the version and emits MetadataUpdated with the previous pointer', async () => {
    const first = metadataPointer('v1');
    const { datasetId, receipt: published } = await publish({ metadata: first });
    const publishedAt = Number(await fixture().minedAt(published));
    await fixture().travel(3_600n);

    const registry = fixture().registry(OWNER);
    const second = metadataPointer('v2', 0x85);
    expect((await registry.simulate.updateMetadata([datasetId, second])).result).toBe(2);
    const receipt = await fixture().mined(registry.write.updateMetadata([datasetId, second]));
    expect(registryEvents(receipt, 'MetadataUpdated').map((e) => e.args)).toEqual([
      { datasetId, version: 2, metadata: second, previous: first },
    ]);
    const updatedAt = Number(await fixture().minedAt(receipt));
    expect(updatedAt).toBeGreaterThanOrEqual(publishedAt + 3_600);
    expect(await registry.read.getDataset([datasetId])).toMatchObject({
      version: 2,
      metadataCodec: second.codec,
      metadataDigest: second.digest,
      publishedAt,
      updatedAt,
    });

    const third = metadataPointer('v3');
    const again = await fixture().mined(registry.write.updateMetadata([datasetId, third]));
    expect(registryEvents(again, 'MetadataUpdated').map((e) => e.args)).toEqual([
      { datasetId, version: 3, metadata: third, previous: second },
    ]);
    expect((await registry.read.getDataset([datasetId])).version).toBe(3);
  });

  it('rejects an invalid pointer and leaves the version alone', async () => {
    const { datasetId } = await publish();
    const registry = fixture().registry(OWNER);
    await expectRevert(registry.write.updateMetadata([datasetId, { codec: 0x0129, digest: zeroHash }]), 'InvalidMetadataPointer', []);
    await expectRevert(registry.write.updateMetadata([datasetId, { codec: 0, digest: keccak256('0x01') }]), 'InvalidMetadataPointer', []);
    expect((await registry.read.getDataset([datasetId])).version).toBe(1);
  });
});

describe('setPrices', () => {
  it('switches to terms that differ only in prices, emits TermsChanged and keeps the old terms', async () => {
    const terms = defaultTerms();
    const { datasetId, termsId } = await publish({ terms });
    const registry = fixture().registry(OWNER);
    const downloadPrice = 1_234_567n;
    const computePrice = 89n;

    const { result: newTermsId } = await registry.simulate.setPrices([datasetId, downloadPrice, computePrice]);
    expect(newTermsId).toBe(termsId + 1n);
    const receipt = await fixture().mined(registry.write.setPrices([datasetId, downloadPrice, computePrice]));
    const expectedTerms = { ...terms, downloadPrice, computePrice };
    expect(registryEvents(receipt, 'TermsRegistered').map((e) => e.args)).toEqual([{ termsId: newTermsId, terms: expectedTerms }]);
    expect(registryEvents(receipt, 'TermsChanged').map((e) => e.args)).toEqual([
      { datasetId, previousTermsId: termsId, termsId: newTermsId },
    ]);
    expect(await registry.read.getTerms([newTermsId])).toEqual(expectedTerms);
    expect(await registry.read.getTerms([termsId])).toEqual(terms);
    expect(await registry.read.getOffer([datasetId])).toMatchObject({ termsId: newTermsId, downloadPrice, computePrice });
  });

  it('does not change other datasets sold under the same terms', async () => {
    const terms = defaultTerms();
    const { datasetId, termsId } = await publish({ terms });
    const other = await publish({ terms, account: STRANGER });
    expect(other.termsId).toBe(termsId);
    await fixture().mined(fixture().registry(OWNER).write.setPrices([datasetId, 1n, 2n]));
    expect(await fixture().registry().read.getOffer([other.datasetId])).toMatchObject({
      termsId,
      downloadPrice: terms.downloadPrice,
      computePrice: terms.computePrice,
    });
  });

  it('reuses registered terms when the new prices match them', async () => {
    const terms = defaultTerms();
    const cheaper = { ...terms, downloadPrice: 1n, computePrice: 0n };
    const cheaperId = await register(cheaper);
    const { datasetId, termsId } = await publish({ terms });
    const receipt = await fixture().mined(fixture().registry(OWNER).write.setPrices([datasetId, 1n, 0n]));
    expect(registryEvents(receipt, 'TermsRegistered')).toHaveLength(0);
    expect(registryEvents(receipt, 'TermsChanged').map((e) => e.args)).toEqual([
      { datasetId, previousTermsId: termsId, termsId: cheaperId },
    ]);
  });

  it('validates the new terms: compute-only datasets cannot get a download price', async () => {
    const { datasetId } = await publish({ terms: defaultTerms({ computeOnly: true, downloadPrice: 0n }) });
    await expectRevert(fixture().registry(OWNER).write.setPrices([datasetId, 1n, 5n]), 'DownloadPriceOnComputeOnly', []);
    await fixture().mined(fixture().registry(OWNER).write.setPrices([datasetId, 0n, 5n]));
    expect((await fixture().registry().read.getOffer([datasetId])).computePrice).toBe(5n);
  });

  it('accepts the largest uint128 prices', async () => {
    const { datasetId } = await publish();
    const max = 2n ** 128n - 1n;
    await fixture().mined(fixture().registry(OWNER).write.setPrices([datasetId, max, max]));
    expect(await fixture().registry().read.getOffer([datasetId])).toMatchObject({ downloadPrice: max, computePrice: max });
  });
});

describe('setTerms', () => {
  it('switches to other registered terms and emits TermsChanged', async () => {
    const { datasetId, termsId } = await publish();
    const other = defaultTerms({ computeOnly: true, downloadPrice: 0n, computePrice: 42n });
    const otherId = await register(other, STRANGER);
    const receipt = await fixture().mined(fixture().registry(OWNER).write.setTerms([datasetId, otherId]));
    expect(registryEvents(receipt, 'TermsChanged').map((e) => e.args)).toEqual([
      { datasetId, previousTermsId: termsId, termsId: otherId },
    ]);
    expect(await fixture().registry().read.getOffer([datasetId])).toMatchObject({
      termsId: otherId,
      computeOnly: true,
      downloadPrice: 0n,
      computePrice: 42n,
    });
    expect((await fixture().registry().read.getDataset([datasetId])).termsId).toBe(otherId);
  });

  it('rejects terms id 0 and unregistered ids (UnknownTerms)', async () => {
    const { datasetId, termsId } = await publish();
    const registry = fixture().registry(OWNER);
    await expectRevert(registry.write.setTerms([datasetId, 0n]), 'UnknownTerms', [0n]);
    await expectRevert(registry.write.setTerms([datasetId, termsId + 1n]), 'UnknownTerms', [termsId + 1n]);
  });
});

describe('delist and relist', () => {
  it('toggle the listing, emit ListingChanged and refuse a no-op with ListingUnchanged', async () => {
    const { datasetId } = await publish();
    const registry = fixture().registry(OWNER);
    await expectRevert(registry.write.relist([datasetId]), 'ListingUnchanged', [datasetId, true]);

    const delisted = await fixture().mined(registry.write.delist([datasetId]));
    expect(registryEvents(delisted, 'ListingChanged').map((e) => e.args)).toEqual([{ datasetId, listed: false }]);
    expect((await registry.read.getOffer([datasetId])).listed).toBe(false);
    expect((await registry.read.getDataset([datasetId])).listed).toBe(false);
    await expectRevert(registry.write.delist([datasetId]), 'ListingUnchanged', [datasetId, false]);

    const relisted = await fixture().mined(registry.write.relist([datasetId]));
    expect(registryEvents(relisted, 'ListingChanged').map((e) => e.args)).toEqual([{ datasetId, listed: true }]);
    expect((await registry.read.getOffer([datasetId])).listed).toBe(true);
  });
});

describe('owner-only functions', () => {
  type OwnerCall = (registry: ReturnType<ReturnType<typeof fixture>['registry']>, datasetId: bigint, termsId: bigint) => Promise<unknown>;
  const ownerCalls: Array<[string, OwnerCall]> = [
    ['updateMetadata', (r, id) => r.write.updateMetadata([id, metadataPointer('intruder')])],
    ['setTerms', (r, id, termsId) => r.write.setTerms([id, termsId])],
    ['setPrices', (r, id) => r.write.setPrices([id, 1n, 1n])],
    ['delist', (r, id) => r.write.delist([id])],
    ['relist', (r, id) => r.write.relist([id])],
  ];

  it.each(ownerCalls)('%s reverts with NotDatasetOwner for a stranger and for the admin', async (_, call) => {
    const { datasetId, termsId } = await publish();
    for (const account of [STRANGER, 0]) {
      await expectRevert(call(fixture().registry(account), datasetId, termsId), 'NotDatasetOwner', [datasetId, fixture().address(account)]);
    }
  });

  it.each(ownerCalls)('%s reverts with UnknownDataset for an unknown dataset', async (_, call) => {
    const { termsId } = await publish();
    await expectRevert(call(fixture().registry(OWNER), 99n, termsId), 'UnknownDataset', [99n]);
  });
});

describe('data NFT', () => {
  it('moves ownership of the dataset with the token: the new owner manages it, the old one no longer can', async () => {
    const { datasetId } = await publish();
    const [from, to] = [fixture().address(OWNER), fixture().address(STRANGER)];
    const receipt = await fixture().mined(fixture().registry(OWNER).write.transferFrom([from, to, datasetId]));
    expect(registryEvents(receipt, 'Transfer').map((e) => e.args)).toEqual([{ from, to, tokenId: datasetId }]);
    expect(await fixture().registry().read.datasetOwner([datasetId])).toBe(to);
    expect((await fixture().registry().read.getOffer([datasetId])).owner).toBe(to);
    expect(await fixture().registry().read.balanceOf([from])).toBe(0n);

    await expectRevert(fixture().registry(OWNER).write.delist([datasetId]), 'NotDatasetOwner', [datasetId, from]);
    await fixture().mined(fixture().registry(STRANGER).write.delist([datasetId]));
    await fixture().mined(fixture().registry(STRANGER).write.updateMetadata([datasetId, metadataPointer('new owner')]));
    expect((await fixture().registry().read.getDataset([datasetId])).version).toBe(2);
  });

  it('supports both safeTransferFrom overloads to accounts and approvals by token and by operator', async () => {
    const { datasetId } = await publish();
    const [a, b, c] = [fixture().address(OWNER), fixture().address(STRANGER), fixture().address(3)];
    await fixture().mined(fixture().registry(OWNER).write.safeTransferFrom([a, b, datasetId]));
    expect(await fixture().registry().read.ownerOf([datasetId])).toBe(b);
    await fixture().mined(fixture().registry(STRANGER).write.safeTransferFrom([b, a, datasetId, '0x1234']));
    expect(await fixture().registry().read.ownerOf([datasetId])).toBe(a);

    const approved = await fixture().mined(fixture().registry(OWNER).write.approve([c, datasetId]));
    expect(registryEvents(approved, 'Approval').map((e) => e.args)).toEqual([{ owner: a, approved: c, tokenId: datasetId }]);
    expect(await fixture().registry().read.getApproved([datasetId])).toBe(c);
    await fixture().mined(fixture().registry(3).write.transferFrom([a, b, datasetId]));
    expect(await fixture().registry().read.ownerOf([datasetId])).toBe(b);
    expect(await fixture().registry().read.getApproved([datasetId])).toBe(zeroAddress);

    const operator = await fixture().mined(fixture().registry(STRANGER).write.setApprovalForAll([c, true]));
    expect(registryEvents(operator, 'ApprovalForAll').map((e) => e.args)).toEqual([{ owner: b, operator: c, approved: true }]);
    expect(await fixture().registry().read.isApprovedForAll([b, c])).toBe(true);
    await fixture().mined(fixture().registry(3).write.transferFrom([b, c, datasetId]));
    expect(await fixture().registry().read.datasetOwner([datasetId])).toBe(c);
  });

  it('has an empty token URI (metadata lives in getDataset) and rejects unknown tokens', async () => {
    const { datasetId } = await publish();
    expect(await fixture().registry().read.tokenURI([datasetId])).toBe('');
    await expectRevert(fixture().registry().read.tokenURI([datasetId + 1n]), 'ERC721NonexistentToken', [datasetId + 1n]);
    await expectRevert(fixture().registry().read.ownerOf([datasetId + 1n]), 'ERC721NonexistentToken', [datasetId + 1n]);
    await expectRevert(fixture().registry().read.balanceOf([zeroAddress]), 'ERC721InvalidOwner', [zeroAddress]);
  });

  it('rejects transfers by strangers, from the wrong owner, to zero and to contracts that cannot receive', async () => {
    const { datasetId } = await publish();
    const [owner, stranger] = [fixture().address(OWNER), fixture().address(STRANGER)];
    const marketplace = fixture().deployments.contracts.marketplace;
    await expectRevert(fixture().registry(STRANGER).write.transferFrom([owner, stranger, datasetId]), 'ERC721InsufficientApproval', [
      stranger,
      datasetId,
    ]);
    await expectRevert(fixture().registry(OWNER).write.transferFrom([stranger, owner, datasetId]), 'ERC721IncorrectOwner', [
      stranger,
      datasetId,
      owner,
    ]);
    await expectRevert(fixture().registry(OWNER).write.transferFrom([owner, zeroAddress, datasetId]), 'ERC721InvalidReceiver', [
      zeroAddress,
    ]);
    await expectRevert(fixture().registry(OWNER).write.safeTransferFrom([owner, marketplace, datasetId]), 'ERC721InvalidReceiver', [
      marketplace,
    ]);
    await expectRevert(fixture().registry(STRANGER).write.approve([stranger, datasetId]), 'ERC721InvalidApprover', [stranger]);
    await expectRevert(fixture().registry(OWNER).write.setApprovalForAll([zeroAddress, true]), 'ERC721InvalidOperator', [zeroAddress]);
    expect(await fixture().registry().read.ownerOf([datasetId])).toBe(owner);
  });
});
