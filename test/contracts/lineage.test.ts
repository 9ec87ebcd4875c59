/**
 * Lineage on a real anvil: every rule publishAsset checks for a derivative's parents (Lineage.sol), each refusal
 * beside a case that passes — ownership, a licence, or the publisher's own delivered compute job whose settled
 * result proves the derivative's content is one of its outputs (lib/lineage/outputs.ts); the parents' terms as
 * accepted, derivatives and training allowed; reciprocal and non-commercial parents binding the child's terms then
 * and later; at most 8 ancestors whose shares sum to at most 100 %; parents in ascending order; the markets set
 * once; and LineageRegistered naming the parents and every ancestor with its absolute share.
 */
import { keccak256, sha256, toHex, zeroHash, type Address, type Hex } from 'viem';
import { devAccount } from '@/lib/chain';
import { contractsOf, datasetRegistryAbi, datasetRegistryBytecode } from '@/lib/contracts';
import type { Derivation } from '@/lib/lineage/derivation';
import { outputsProof, outputsRoot, resultHashOf } from '@/lib/lineage/outputs';
import { cpuEnvironment } from '../helpers/compute';
import { eventsOf, expectRevert } from '../helpers/expect';
import { requestJobOnChain, settleJobOnChain, type RequestedJob } from '../helpers/jobs';
import { metadataPointer, openTerms as openTermsIn, termsFor, type Terms } from '../helpers/terms';
import {
  allowProviders,
  AssetKind,
  heldClaim,
  IN_BLOCK_GAS,
  publishAsset,
  publishAssetTx,
  registerProvider,
  useMarketFixture,
  type ParentClaim,
  type Published,
} from './fixture';

const fixture = useMarketFixture();

const ADMIN = 0;
const OWNER_A = 1;
const OWNER_B = 2;
const MAKER = 3;
const STRANGER = 5;
const PROVIDER = 7;
const NODE = 8;

const DAY = 86_400n;
const MODEL = sha256(toHex('model weights'));
const METRICS = sha256(toHex('metrics.json'));
const LOG = sha256(toHex('training log'));
/** Three outputs, so the tree carries an odd node up and the model's proof has two siblings. */
const OUTPUTS = [MODEL, METRICS, LOG];
const NOT_AN_OUTPUT = sha256(toHex('weights trained elsewhere'));

/** Datasets every test starts from: A and B sold with a licence, C compute-only; all open to derivatives. */
let A: Published;
let B: Published;
let C: Published;
let providerId: bigint;
/** Terms a derivative is published under: derivatives and training allowed, commercial, a 5 % share. */
let childTerms: bigint;
let published = 0;

const address = (account: number): Address => fixture().address(account);
const token = () => fixture().deployments.stablecoin.address;
const registry = (account = 0) => fixture().registry(account);

/** Terms open to derivatives and AI training, commercial, paying `share` basis points. */
const openTerms = (share: number, overrides: Partial<Terms> = {}) => openTermsIn(token(), share, overrides);
const registerTerms = (terms: Terms) => fixture().registerTerms(terms);

function publish(owner: number, terms: Terms): Promise<Published> {
  return fixture().publish(owner, metadataPointer(`dataset ${++published}`), terms);
}

/** Publishes a derivative as `account` from `parents`, a model of MODEL under the child terms unless told otherwise. */
function derive(account: number, parents: readonly ParentClaim[], options: { kind?: number; content?: Hex; termsId?: bigint } = {}): Promise<Published> {
  return publishAsset(fixture().market, account, metadataPointer(`asset ${++published}`), options.termsId ?? childTerms, derivation(parents, options));
}

function derivation(parents: readonly ParentClaim[], options: { kind?: number; content?: Hex } = {}): Derivation {
  return { kind: options.kind ?? AssetKind.Model, contentHash: options.content ?? MODEL, parents };
}

/** The publishAsset of `account`, reserved first, that is expected to revert. */
async function deriveTx(account: number, parents: readonly ParentClaim[], options: { kind?: number; content?: Hex; termsId?: bigint } = {}): Promise<Hex> {
  const assetId = await fixture().reserve(account);
  return publishAssetTx(fixture().market, account, assetId, metadataPointer(`refused ${++published}`), options.termsId ?? childTerms, derivation(parents, options));
}

const held = (parent: Published) => heldClaim(parent.datasetId, parent.termsId);

async function buyLicence(buyer: number, parent: Published): Promise<void> {
  await fixture().mined(fixture().marketplace(buyer).write.buyLicence([parent.datasetId, parent.termsId, 10n ** 12n]));
}

/** A job of `buyer` on `parent` that settled, delivered or not, with a result committing to OUTPUTS. */
async function settledJob(buyer: number, parent: Published, options: { aiTraining?: boolean; delivered?: boolean } = {}) {
  const requested = await requestJobOnChain(fixture().market, buyer, { datasetId: parent.datasetId, providerId, maxMinutes: 10, aiTraining: options.aiTraining ?? true });
  const receiptHash = keccak256(toHex(`receipt of job ${requested.jobId}`));
  const resultHash = resultHashOf(receiptHash, outputsRoot(OUTPUTS));
  await settleJobOnChain(fixture().market, NODE, requested, { minutesUsed: 2, delivered: options.delivered ?? true, releasedBytes: 0n, resultHash });
  return { ...requested, receiptHash };
}

/** A claim on `parent` through `job`, proving `file` (default: the model) one of the job's outputs. */
function jobClaim(parent: Published, job: RequestedJob & { receiptHash: Hex }, file: Hex = MODEL): ParentClaim {
  return { parentId: parent.datasetId, termsId: parent.termsId, jobId: job.jobId, job: job.job, receiptHash: job.receiptHash, outputsProof: outputsProof(OUTPUTS, file) ?? [] };
}

function lineageEvent(receipt: Published['receipt']) {
  const events = eventsOf(datasetRegistryAbi, receipt.logs, 'LineageRegistered');
  expect(events).toHaveLength(1);
  return events[0]!.args;
}

beforeAll(async () => {
  for (const account of [MAKER, STRANGER]) {
    await fixture().mined(fixture().stablecoin(account).write.approve([fixture().deployments.contracts.marketplace, 2n ** 255n]));
  }
  A = await publish(OWNER_A, openTerms(1_000));
  B = await publish(OWNER_B, openTerms(700));
  C = await publish(OWNER_A, openTerms(300, { computeOnly: true, downloadPrice: 0n, computePrice: 1_500_000n }));
  providerId = await registerProvider(fixture().market, PROVIDER, devAccount(NODE), [cpuEnvironment(1_000n)]);
  await allowProviders(fixture().market, OWNER_A, A.datasetId, [providerId]);
  await allowProviders(fixture().market, OWNER_A, C.datasetId, [providerId]);
  childTerms = await registerTerms(openTerms(500, { uri: 'ipfs://child' }));
});

describe('markets', () => {
  it('are set once at deployment (MarketsSet); setting them again reverts MarketsAlreadySet, and only the admin may try', async () => {
    const { marketplace, computeMarket } = fixture().deployments.contracts;
    expect([await registry().read.marketplace(), await registry().read.computeMarket()]).toEqual([marketplace, computeMarket]);
    const logs = await fixture().publicClient.getContractEvents({ ...contractsOf(fixture().deployments).registry, eventName: 'MarketsSet', fromBlock: 0n, strict: true });
    expect(logs.map((log) => log.args)).toEqual([{ marketplace, computeMarket }]);
    await expectRevert(registry(ADMIN).write.setMarkets([computeMarket, marketplace]), 'MarketsAlreadySet', []);
    await expectRevert(registry(STRANGER).write.setMarkets([marketplace, computeMarket]), 'AccessControlUnauthorizedAccount', [address(STRANGER), zeroHash]);
  });

  it('a registry whose markets are not set publishes assets without parents and refuses parents with MarketsNotSet', async () => {
    const admin = fixture().market.wallet(ADMIN);
    const deployed = await fixture().mined(admin.deployContract({ abi: datasetRegistryAbi, bytecode: datasetRegistryBytecode, args: [address(ADMIN)] }));
    const fresh = { address: deployed.contractAddress!, abi: datasetRegistryAbi } as const;
    await fixture().mined(admin.writeContract({ ...fresh, functionName: 'setCurrencyAllowed', args: [token(), true] }));
    await fixture().mined(admin.writeContract({ ...fresh, functionName: 'registerTerms', args: [openTerms(0)] }));
    for (let reserved = 0; reserved < 2; reserved++) await fixture().mined(admin.writeContract({ ...fresh, functionName: 'reserveDatasetId' }));
    const alone = await fixture().mined(admin.writeContract({ ...fresh, functionName: 'publishAsset', args: [metadataPointer('alone'), 1n, 1n, derivation([])] }));
    expect(lineageEvent(alone).parents).toEqual([]);
    await expectRevert(admin.writeContract({ ...fresh, functionName: 'publishAsset', args: [metadataPointer('child'), 1n, 2n, derivation([heldClaim(1n, 1n)])] }), 'MarketsNotSet', []);
  });
});

describe('publishAsset without parents', () => {
  it('publishes a model with its kind and an empty lineage; plain publish stays a dataset with no LineageRegistered', async () => {
    const model = await derive(MAKER, []);
    expect(lineageEvent(model.receipt)).toEqual({ assetId: model.datasetId, kind: AssetKind.Model, contentHash: MODEL, parents: [], ancestors: [] });
    expect(await registry().read.getDataset([model.datasetId])).toMatchObject({ kind: AssetKind.Model, ancestors: 0, constraints: 0, termsId: childTerms });
    expect(await registry().read.ownerOf([model.datasetId])).toBe(address(MAKER));
    expect(eventsOf(datasetRegistryAbi, A.receipt.logs, 'LineageRegistered')).toEqual([]);
    expect(await registry().read.getDataset([A.datasetId])).toMatchObject({ kind: AssetKind.Dataset, ancestors: 0, constraints: 0 });
  });

  it('refuses unknown terms and an id the publisher did not reserve', async () => {
    const next = (await registry().read.termsCount()) + 1n;
    for (const termsId of [0n, next]) await expectRevert(deriveTx(MAKER, [], { termsId }), 'UnknownTerms', [termsId]);
    const reserved = await fixture().reserve(OWNER_A);
    await expectRevert(publishAssetTx(fixture().market, MAKER, reserved, metadataPointer('taken'), childTerms, derivation([])), 'DatasetIdNotReserved', [reserved, address(MAKER)]);
  });
});

describe('entitlement to a parent', () => {
  it("the parent's owner needs no licence", async () => {
    const child = await derive(OWNER_A, [held(A)]);
    expect(lineageEvent(child.receipt).parents).toEqual([{ parentId: A.datasetId, jobId: 0n, bps: 1_000 }]);
  });

  it('anyone else needs a valid licence (NotLicensed): bought, it entitles; expired, it no longer does', async () => {
    await expectRevert(deriveTx(MAKER, [held(A)]), 'NotLicensed', [A.datasetId, address(MAKER)]);
    await buyLicence(MAKER, B); // a licence to another parent is no entitlement to this one
    await expectRevert(deriveTx(MAKER, [held(A)]), 'NotLicensed', [A.datasetId, address(MAKER)]);
    await buyLicence(MAKER, A);
    const child = await derive(MAKER, [held(A), held(B)]);
    expect(lineageEvent(child.receipt).parents).toEqual([
      { parentId: A.datasetId, jobId: 0n, bps: 1_000 },
      { parentId: B.datasetId, jobId: 0n, bps: 700 },
    ]);
    await fixture().travel(30n * DAY);
    await expectRevert(deriveTx(MAKER, [held(A)]), 'NotLicensed', [A.datasetId, address(MAKER)]);
  });

  it("the publisher's own delivered job entitles it when its outputs include the derivative's content", async () => {
    const job = await settledJob(MAKER, C);
    const child = await derive(MAKER, [jobClaim(C, job)]);
    expect(lineageEvent(child.receipt)).toEqual({
      assetId: child.datasetId,
      kind: AssetKind.Model,
      contentHash: MODEL,
      parents: [{ parentId: C.datasetId, jobId: job.jobId, bps: 300 }],
      ancestors: [{ assetId: C.datasetId, bps: 300 }],
    });
    // Any output can be proven, not only the first leaf.
    await derive(MAKER, [jobClaim(C, job, LOG)], { kind: AssetKind.Dataset, content: LOG });
  });

  it('a file that is not one of the outputs, or another receipt, is not proven (ContentNotProven)', async () => {
    const job = await settledJob(MAKER, C);
    await expectRevert(deriveTx(MAKER, [jobClaim(C, job)], { content: NOT_AN_OUTPUT }), 'ContentNotProven', [job.jobId, NOT_AN_OUTPUT]);
    await expectRevert(deriveTx(MAKER, [{ ...jobClaim(C, job), outputsProof: [] }]), 'ContentNotProven', [job.jobId, MODEL]);
    await expectRevert(deriveTx(MAKER, [{ ...jobClaim(C, job), receiptHash: keccak256(toHex('another receipt')) }]), 'ContentNotProven', [job.jobId, MODEL]);
  });

  it('a job that did not deliver, or has not settled, proves nothing (ContentNotProven)', async () => {
    const undelivered = await settledJob(MAKER, C, { delivered: false });
    await expectRevert(deriveTx(MAKER, [jobClaim(C, undelivered)]), 'ContentNotProven', [undelivered.jobId, MODEL]);
    const open = await requestJobOnChain(fixture().market, MAKER, { datasetId: C.datasetId, providerId, maxMinutes: 10, aiTraining: true });
    await expectRevert(deriveTx(MAKER, [jobClaim(C, { ...open, receiptHash: zeroHash })]), 'ContentNotProven', [open.jobId, MODEL]);
  });

  it("someone else's job entitles nobody: NotJobBuyer, and ContentNotProven when the job is passed with the caller as its buyer", async () => {
    const job = await settledJob(MAKER, C);
    await expectRevert(deriveTx(STRANGER, [jobClaim(C, job)]), 'NotJobBuyer', [job.jobId, address(STRANGER)]);
    const forged = { ...job, job: { ...job.job, buyer: address(STRANGER) } };
    await expectRevert(deriveTx(STRANGER, [jobClaim(C, forged)]), 'ContentNotProven', [job.jobId, MODEL]);
  });

  it('a job on another dataset entitles nothing on this parent (JobNotOnParent)', async () => {
    const job = await settledJob(MAKER, C);
    await expectRevert(deriveTx(MAKER, [{ ...jobClaim(C, job), parentId: A.datasetId, termsId: A.termsId }]), 'JobNotOnParent', [job.jobId, A.datasetId]);
  });

  it('a job that did not declare AI training makes no model (JobNotTraining), but a derived dataset', async () => {
    const job = await settledJob(MAKER, C, { aiTraining: false });
    await expectRevert(deriveTx(MAKER, [jobClaim(C, job)]), 'JobNotTraining', [job.jobId]);
    const dataset = await derive(MAKER, [jobClaim(C, job)], { kind: AssetKind.Dataset });
    expect(lineageEvent(dataset.receipt)).toMatchObject({ kind: AssetKind.Dataset, parents: [{ parentId: C.datasetId, jobId: job.jobId, bps: 300 }] });
  });
});

describe("the parent's terms", () => {
  it('must be the terms the publisher accepted: a terms change landing first reverts ParentTermsMismatch', async () => {
    await buyLicence(MAKER, A);
    const assetId = await fixture().reserve(MAKER);
    const [changed, refused] = await fixture().inOneBlock([
      () => registry(OWNER_A).write.setPrices([A.datasetId, 1n, 1n], { gas: IN_BLOCK_GAS }),
      () => publishAssetTx(fixture().market, MAKER, assetId, metadataPointer('front-run'), childTerms, derivation([held(A)]), IN_BLOCK_GAS),
    ]);
    expect(changed!.status).toBe('success');
    const current = (await registry().read.getOffer([A.datasetId])).termsId;
    await expectRevert(fixture().minedRevert(refused!), 'ParentTermsMismatch', [A.datasetId, A.termsId, current]);
    await derive(MAKER, [heldClaim(A.datasetId, current)]);
  });

  it('must allow derivatives (DerivativesNotAllowed) and, for a model, AI training (TrainingNotAllowed)', async () => {
    const closed = await publish(MAKER, termsFor({ currency: token(), aiTrainingAllowed: true }));
    await expectRevert(deriveTx(MAKER, [held(closed)], { kind: AssetKind.Dataset }), 'DerivativesNotAllowed', [closed.datasetId]);
    const noTraining = await publish(MAKER, openTerms(0, { aiTrainingAllowed: false }));
    await expectRevert(deriveTx(MAKER, [held(noTraining)]), 'TrainingNotAllowed', [noTraining.datasetId]);
    await derive(MAKER, [held(noTraining)], { kind: AssetKind.Dataset });
  });
});

describe('reciprocal and non-commercial parents', () => {
  it('a reciprocal parent binds the child to the same rights, then and at every later setTerms; setPrices stays free', async () => {
    const reciprocal = openTerms(400, { derivativesReciprocal: true, uri: 'ipfs://share-alike' });
    const parent = await publish(OWNER_A, reciprocal);
    await buyLicence(MAKER, parent);
    await expectRevert(deriveTx(MAKER, [held(parent)]), 'ReciprocalTermsRequired', [parent.termsId, childTerms]);
    // Same rights at other prices and another duration.
    const sameRights = await registerTerms({ ...reciprocal, downloadPrice: 42n, computePrice: 7n, accessDuration: 7n * DAY });
    const child = await derive(MAKER, [held(parent)], { termsId: sameRights });
    expect(await registry().read.getDataset([child.datasetId])).toMatchObject({ constraints: 1, termsId: sameRights });

    const otherRights = await registerTerms({ ...reciprocal, derivativesReciprocal: false });
    await expectRevert(registry(MAKER).write.setTerms([child.datasetId, otherRights]), 'ReciprocalTermsRequired', [sameRights, otherRights]);
    await fixture().mined(registry(MAKER).write.setPrices([child.datasetId, 1n, 2n]));
    const repriced = (await registry().read.getOffer([child.datasetId])).termsId;
    expect(await registry().read.getTerms([repriced])).toMatchObject({ downloadPrice: 1n, computePrice: 2n, derivativesReciprocal: true });
    await fixture().mined(registry(MAKER).write.setTerms([child.datasetId, parent.termsId]));

    // The child's terms are reciprocal too, so its own children are bound the same way.
    const grandchild = heldClaim(child.datasetId, parent.termsId);
    await expectRevert(deriveTx(MAKER, [grandchild]), 'ReciprocalTermsRequired', [parent.termsId, childTerms]);
    await derive(MAKER, [grandchild], { termsId: sameRights });
  });

  it('a non-commercial parent forbids a commercial child (CommercialUseNotAllowed), then and at every later setTerms', async () => {
    const nonCommercial = openTerms(0, { commercialUse: false, commercialAttribution: false });
    const parent = await publish(OWNER_A, nonCommercial);
    await buyLicence(MAKER, parent);
    await expectRevert(deriveTx(MAKER, [held(parent)]), 'CommercialUseNotAllowed', [childTerms]);
    const child = await derive(MAKER, [held(parent)], { termsId: parent.termsId });
    expect(await registry().read.getDataset([child.datasetId])).toMatchObject({ constraints: 2 });
    await expectRevert(registry(MAKER).write.setTerms([child.datasetId, childTerms]), 'CommercialUseNotAllowed', [childTerms]);
    const otherNonCommercial = await registerTerms({ ...nonCommercial, derivativesAllowed: false });
    await fixture().mined(registry(MAKER).write.setTerms([child.datasetId, otherNonCommercial]));
  });
});

describe('ancestors and shares', () => {
  /** A dataset of MAKER's own paying `share`. */
  const ownDataset = (share: number) => publish(MAKER, openTerms(share));

  it('at most 8 ancestors, parents and theirs together (TooManyAncestors)', async () => {
    const parents: Published[] = [];
    for (let i = 0; i < 9; i++) parents.push(await ownDataset(100));
    await expectRevert(deriveTx(MAKER, parents.map(held)), 'TooManyAncestors', []);
    const eight = await derive(MAKER, parents.slice(0, 8).map(held));
    expect(await registry().read.getDataset([eight.datasetId])).toMatchObject({ ancestors: 8 });
    expect(await registry().read.getOffer([eight.datasetId])).toMatchObject({ ancestors: 8 });
    // A child of an asset with 8 ancestors has 9; one of its ancestors named again is still counted once.
    await expectRevert(deriveTx(MAKER, [heldClaim(eight.datasetId, childTerms)]), 'TooManyAncestors', []);
    const seven = await derive(MAKER, parents.slice(0, 7).map(held));
    const again = await derive(MAKER, [held(parents[0]!), heldClaim(seven.datasetId, childTerms)]);
    expect(lineageEvent(again.receipt).ancestors).toEqual([
      { assetId: parents[0]!.datasetId, bps: 200 },
      { assetId: seven.datasetId, bps: 500 },
      ...parents.slice(1, 7).map((parent) => ({ assetId: parent.datasetId, bps: 100 })),
    ]);
  });

  it('shares sum to at most 100 % (RoyaltiesOverAll), a repeated ancestor counting each time', async () => {
    const sixty = await ownDataset(6_000);
    const fifty = await ownDataset(5_000);
    const forty = await ownDataset(4_000);
    await expectRevert(deriveTx(MAKER, [held(sixty), held(fifty)]), 'RoyaltiesOverAll', [11_000]);
    const all = await derive(MAKER, [held(sixty), held(forty)]);
    expect(lineageEvent(all.receipt).ancestors).toEqual([
      { assetId: sixty.datasetId, bps: 6_000 },
      { assetId: forty.datasetId, bps: 4_000 },
    ]);
    // The child pays nothing itself; through it, its parent would be paid a second 60 %.
    const child = await derive(MAKER, [held(sixty)], { termsId: await registerTerms(openTerms(0)) });
    await expectRevert(deriveTx(MAKER, [held(sixty), held(child)]), 'RoyaltiesOverAll', [12_000]);
  });

  it('parents in strictly ascending order, each once (ParentsNotAscending), and published (UnknownDataset)', async () => {
    await buyLicence(MAKER, A);
    await buyLicence(MAKER, B);
    await expectRevert(deriveTx(MAKER, [held(B), held(A)]), 'ParentsNotAscending', [A.datasetId]);
    await expectRevert(deriveTx(MAKER, [held(A), held(A)]), 'ParentsNotAscending', [A.datasetId]);
    await expectRevert(deriveTx(MAKER, [heldClaim(0n, A.termsId)]), 'ParentsNotAscending', [0n]);
    await expectRevert(deriveTx(MAKER, [held(A), heldClaim(999n, A.termsId)]), 'UnknownDataset', [999n]);
    const reserved = await fixture().reserve(OWNER_A);
    await expectRevert(deriveTx(MAKER, [heldClaim(reserved, A.termsId)]), 'UnknownDataset', [reserved]);
    await derive(MAKER, [held(A), held(B)]);
  });
});

describe('LineageRegistered and the views', () => {
  it('names the parents and every ancestor with its absolute share, two levels down; royaltiesOf names their owners now', async () => {
    await buyLicence(MAKER, A);
    const job = await settledJob(MAKER, C);
    const model = await derive(MAKER, [held(A), jobClaim(C, job)]);
    expect(lineageEvent(model.receipt)).toEqual({
      assetId: model.datasetId,
      kind: AssetKind.Model,
      contentHash: MODEL,
      parents: [
        { parentId: A.datasetId, jobId: 0n, bps: 1_000 },
        { parentId: C.datasetId, jobId: job.jobId, bps: 300 },
      ],
      ancestors: [
        { assetId: A.datasetId, bps: 1_000 },
        { assetId: C.datasetId, bps: 300 },
      ],
    });
    await buyLicence(STRANGER, B);
    await buyLicence(STRANGER, model);
    const tuned = await derive(STRANGER, [held(B), held(model)], { content: METRICS });
    const ancestors = [
      { assetId: B.datasetId, bps: 700 },
      { assetId: model.datasetId, bps: 500 },
      { assetId: A.datasetId, bps: 1_000 },
      { assetId: C.datasetId, bps: 300 },
    ];
    expect(lineageEvent(tuned.receipt)).toMatchObject({ contentHash: METRICS, ancestors });
    expect(await registry().read.ancestorsOf([tuned.datasetId])).toEqual(ancestors);
    expect(await registry().read.getDataset([tuned.datasetId])).toMatchObject({ kind: AssetKind.Model, ancestors: 4, constraints: 0 });
    await fixture().mined(registry(OWNER_A).write.transferFrom([address(OWNER_A), address(STRANGER), A.datasetId]));
    const owners = [address(OWNER_B), address(MAKER), address(STRANGER), address(OWNER_A)];
    expect(await registry().read.royaltiesOf([tuned.datasetId])).toEqual(
      ancestors.map((ancestor, i) => ({ ancestorId: ancestor.assetId, owner: owners[i], bps: ancestor.bps })),
    );
    expect(await registry().read.ancestorsOf([A.datasetId])).toEqual([]);
    expect(await registry().read.royaltiesOf([A.datasetId])).toEqual([]);
  });
});
