/**
 * One compute job over several datasets, on a real anvil: ComputeMarket.requestJob with several inputs links one
 * job per dataset into one escrow. Each owner is paid its own data fee on delivery, to the unit, and every fee goes
 * back without it; the run's minutes are escrowed and paid once per provider; a node learns the run from the chain
 * (jobGroup); a bad input anywhere reverts the whole request. Also the agreement keys federated nodes publish.
 * The figures are worked out by hand from the definition, not read back from the contracts.
 */
import { keccak256, toHex, type Address, type TransactionReceipt } from 'viem';
import { devAccount } from '@/lib/chain';
import { signJobResult, type Job } from '@/lib/compute/settlement';
import { computeMarketAbi, mockStablecoinAbi, mockStablecoinBytecode } from '@/lib/contracts';
import { onlyEvent } from '../helpers/compute';
import { eventsOf, expectRevert } from '../helpers/expect';
import { metadataPointer, termsFor } from '../helpers/terms';
import { allowProviders, LINKED, publishLinkedMarket, useMarketFixture, type Published } from './fixture';

const fixture = useMarketFixture();

const { ADMIN, OWNER_A, OWNER_B, OWNER_C, BUYER, PROVIDER, NODE, OTHER_NODE, FEE_A, FEE_B, PER_MINUTE, OTHER_PER_MINUTE } = LINKED;
const MINUTES = 10;
const RELEASE_BYTES = 4_096n;
const ALGORITHM = keccak256(toHex('train.py'));

let A: Published;
let B: Published;
let C: Published;
let providerId: bigint;
let otherProviderId: bigint;

const address = (account: number): Address => fixture().address(account);
const token = () => fixture().deployments.stablecoin.address;
const computeMarket = () => ({ address: fixture().deployments.contracts.computeMarket, abi: computeMarketAbi });

beforeAll(async () => {
  ({ A, B, C, providerId, otherProviderId } = await publishLinkedMarket(fixture(), { A: 'both', B: 'both', C: 'first' }));
  await fixture().mined(fixture().stablecoin(BUYER).write.approve([fixture().deployments.contracts.computeMarket, 2n ** 255n]));
});

interface Input {
  datasetId: bigint;
  termsId: bigint;
  providerId: bigint;
  environment: number;
  environmentSpec: `0x${string}`;
  epsilon: bigint;
  releaseBytes: bigint;
}

/** What the buyer accepts for `dataset` on `provider` (its first environment). */
async function input(dataset: Published, provider = providerId): Promise<Input> {
  const environmentSpec = await fixture().publicClient.readContract({ ...computeMarket(), functionName: 'environmentHash', args: [provider, 0] });
  return { datasetId: dataset.datasetId, termsId: dataset.termsId, providerId: provider, environment: 0, environmentSpec, epsilon: 0n, releaseBytes: RELEASE_BYTES };
}

function request(inputs: readonly Input[], options: { aiTraining?: boolean; maxPayment?: bigint } = {}): Promise<`0x${string}`> {
  return fixture().market.wallet(BUYER).writeContract({ ...computeMarket(), functionName: 'requestJob', args: [inputs, ALGORITHM, options.aiTraining ?? true, MINUTES, options.maxPayment ?? 10n ** 12n] });
}

async function requested(inputs: readonly Input[]): Promise<{ receipt: TransactionReceipt; jobs: { jobId: bigint; job: Job; escrow: bigint }[] }> {
  const receipt = await fixture().mined(request(inputs));
  const jobs = eventsOf(computeMarketAbi, receipt.logs, 'JobRequested', fixture().deployments.contracts.computeMarket).map((e) => e.args);
  return { receipt, jobs };
}

/** Withdrawable balances of `accounts` in the compute market. */
function balances(accounts: readonly number[]): Promise<bigint[]> {
  return Promise.all(accounts.map((account) => fixture().publicClient.readContract({ ...computeMarket(), functionName: 'withdrawable', args: [token(), address(account)] })));
}

async function settle(node: number, jobId: bigint, job: Job, result: { minutesUsed: number; delivered: boolean; releasedBytes: bigint }): Promise<TransactionReceipt> {
  const resultHash = keccak256(toHex('one receipt naming every dataset'));
  const { chainId, contracts } = fixture().deployments;
  const signature = await signJobResult(devAccount(node), { chainId, computeMarket: contracts.computeMarket }, { jobId, resultHash, ...result });
  return fixture().mined(fixture().market.wallet(node).writeContract({ ...computeMarket(), functionName: 'submitResult', args: [jobId, job, resultHash, result.minutesUsed, result.delivered, result.releasedBytes, signature] }));
}

const PAYEES = [ADMIN, OWNER_A, OWNER_B, PROVIDER, BUYER] as const;

describe('a job over two datasets on one provider', () => {
  it('escrows both data fees and the minutes once, in one transfer, and links the jobs', async () => {
    const wallet = await fixture().stablecoin().read.balanceOf([address(BUYER)]);
    const { receipt, jobs } = await requested([await input(A), await input(B)]);
    const [first, second] = jobs;
    // The minutes are priced on the first job only: the run is one on this provider.
    expect(first!.job).toMatchObject({ datasetId: A.datasetId, providerId, dataFee: FEE_A, pricePerMinute: PER_MINUTE, buyer: address(BUYER) });
    expect(second!.job).toMatchObject({ datasetId: B.datasetId, providerId, dataFee: FEE_B, pricePerMinute: 0n, deadline: first!.job.deadline });
    expect([first!.escrow, second!.escrow]).toEqual([FEE_A + 10n * PER_MINUTE, FEE_B]);
    expect(second!.jobId).toBe(first!.jobId + 1n);
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'JobsLinked')).toEqual({ firstJobId: first!.jobId, count: 2n });
    expect(await fixture().stablecoin().read.balanceOf([address(BUYER)])).toBe(wallet - FEE_A - FEE_B - 10n * PER_MINUTE);
    for (const { jobId } of jobs) expect(await fixture().publicClient.readContract({ ...computeMarket(), functionName: 'jobGroup', args: [jobId] })).toEqual([first!.jobId, 2n]);
  });

  it('pays each owner its own fee on delivery and the provider its minutes once, to the unit', async () => {
    const { jobs } = await requested([await input(A), await input(B)]);
    const before = await balances(PAYEES);
    for (const { jobId, job } of jobs) {
      await fixture().mined(fixture().market.wallet(NODE).writeContract({ ...computeMarket(), functionName: 'acceptJob', args: [jobId, job] }));
    }
    for (const dataset of [A, B]) expect(await fixture().publicClient.readContract({ ...computeMarket(), functionName: 'hasActiveJob', args: [dataset.datasetId, devAccount(NODE).address] })).toBe(true);
    for (const { jobId, job } of jobs) await settle(NODE, jobId, job, { minutesUsed: 2, delivered: true, releasedBytes: 100n });
    const after = await balances(PAYEES);
    // A: 3,333,337 × 2.5 % = 83,333.425 → 83,333; owner 3,250,004. B: 1,000,001 × 2.5 % = 25,000.025 → 25,000;
    // owner 975,001. Two minutes at 1,000 on the first job: cut 50, provider 1,950; the second job's minutes cost 0.
    // The buyer gets back the eight minutes not used.
    expect(after.map((balance, i) => balance - before[i]!)).toEqual([83_333n + 25_000n + 50n, 3_250_004n, 975_001n, 1_950n, 8_000n]);
    expect(83_383n + 3_250_004n + 975_001n + 1_950n + 8_000n + 25_000n).toBe(FEE_A + FEE_B + 10n * PER_MINUTE);
    for (const dataset of [A, B]) expect(await fixture().publicClient.readContract({ ...computeMarket(), functionName: 'hasActiveJob', args: [dataset.datasetId, devAccount(NODE).address] })).toBe(false);
  });

  it('gives every data fee back when nothing was delivered', async () => {
    const { jobs } = await requested([await input(A), await input(B)]);
    const before = await balances(PAYEES);
    for (const { jobId, job } of jobs) await settle(NODE, jobId, job, { minutesUsed: 3, delivered: false, releasedBytes: 0n });
    // Only the three minutes are paid: cut 75, provider 2,925; the buyer gets both fees and seven minutes back.
    expect((await balances(PAYEES)).map((balance, i) => balance - before[i]!)).toEqual([75n, 0n, 0n, 2_925n, FEE_A + FEE_B + 7_000n]);
  });

  it('refunds the whole escrow of each job after the deadline, to whoever asks for it', async () => {
    const { jobs } = await requested([await input(A), await input(B)]);
    const before = await balances(PAYEES);
    await fixture().travel(BigInt(MINUTES * 60 + 3_600 + 1));
    for (const { jobId, job } of jobs) await fixture().mined(fixture().market.wallet(OWNER_C).writeContract({ ...computeMarket(), functionName: 'refund', args: [jobId, job] }));
    expect((await balances(PAYEES)).map((balance, i) => balance - before[i]!)).toEqual([0n, 0n, 0n, 0n, FEE_A + FEE_B + 10n * PER_MINUTE]);
  });
});

describe('a federated run over two providers', () => {
  it('prices each provider’s minutes on its own job', async () => {
    const { jobs } = await requested([await input(A, providerId), await input(B, otherProviderId)]);
    expect(jobs.map(({ job, escrow }) => [job.providerId, job.pricePerMinute, escrow])).toEqual([
      [providerId, PER_MINUTE, FEE_A + 10n * PER_MINUTE],
      [otherProviderId, OTHER_PER_MINUTE, FEE_B + 10n * OTHER_PER_MINUTE],
    ]);
  });
});

describe('requestJob refuses, and escrows nothing for', () => {
  const refused = async (inputs: () => Promise<readonly Input[]>, error: string, args: (ids: { next: bigint }) => readonly unknown[], options?: { aiTraining?: boolean; maxPayment?: bigint }) => {
    const next = (await fixture().publicClient.readContract({ ...computeMarket(), functionName: 'jobCount' })) + 1n;
    const wallet = await fixture().stablecoin().read.balanceOf([address(BUYER)]);
    await expectRevert(request(await inputs(), options), error, args({ next }));
    expect(await fixture().stablecoin().read.balanceOf([address(BUYER)])).toBe(wallet);
    expect(await fixture().publicClient.readContract({ ...computeMarket(), functionName: 'jobGroup', args: [next] })).toEqual([0n, 0n]);
  };

  it('no dataset, or more than eight', async () => {
    await refused(async () => [], 'LinkedJobCount', () => [0n]);
    const one = await input(A);
    await refused(async () => Array.from({ length: 9 }, (_, i) => ({ ...one, datasetId: one.datasetId + BigInt(i) })), 'LinkedJobCount', () => [9n]);
  });

  it('a dataset named twice, or out of order', async () => {
    await refused(async () => [await input(A), await input(A)], 'LinkedDatasetsNotAscending', () => [A.datasetId]);
    await refused(async () => [await input(B), await input(A)], 'LinkedDatasetsNotAscending', () => [A.datasetId]);
  });

  it('a later dataset whose owner did not allow the provider, or whose terms forbid AI training', async () => {
    await refused(async () => [await input(A, otherProviderId), await input(C, otherProviderId)], 'ProviderNotAllowed', () => [C.datasetId, otherProviderId], { aiTraining: false });
    await refused(async () => [await input(A), await input(C)], 'AiTrainingNotAllowed', () => [C.datasetId]);
  });

  it('a total above the buyer’s limit', async () => {
    const total = FEE_A + FEE_B + 10n * PER_MINUTE;
    await refused(async () => [await input(A), await input(B)], 'PaymentAboveMax', () => [total, total - 1n], { maxPayment: total - 1n });
  });

  it('datasets sold in different currencies', async () => {
    const deployer = fixture().market.wallet(OWNER_C);
    const deployed = await fixture().mined(deployer.deployContract({ abi: mockStablecoinAbi, bytecode: mockStablecoinBytecode, args: [address(OWNER_C)] }));
    const otherToken = deployed.contractAddress!;
    await fixture().mined(fixture().registry(ADMIN).write.setCurrencyAllowed([otherToken, true]));
    const D = await fixture().publish(OWNER_C, metadataPointer('D'), termsFor({ currency: otherToken, computePrice: 5n, computeOnly: true, downloadPrice: 0n, aiTrainingAllowed: true }));
    await allowProviders(fixture().market, OWNER_C, D.datasetId, [providerId]);
    await refused(async () => [await input(A), await input(D)], 'CurrencyMismatch', () => [D.datasetId, otherToken]);
  });
});

describe('jobGroup', () => {
  it('is the job alone for a one-dataset job, and nothing for an unknown one', async () => {
    const { jobs } = await requested([await input(A)]);
    expect(await fixture().publicClient.readContract({ ...computeMarket(), functionName: 'jobGroup', args: [jobs[0]!.jobId] })).toEqual([jobs[0]!.jobId, 1n]);
    expect(await fixture().publicClient.readContract({ ...computeMarket(), functionName: 'jobGroup', args: [jobs[0]!.jobId + 1n] })).toEqual([0n, 0n]);
  });

  it('keeps two runs requested one after the other apart, through settlement', async () => {
    const first = await requested([await input(A), await input(B)]);
    const lone = await requested([await input(A)]);
    const second = await requested([await input(A), await input(B)]);
    for (const { jobId, job } of first.jobs) await settle(NODE, jobId, job, { minutesUsed: 1, delivered: true, releasedBytes: 1n });
    const group = (jobId: bigint) => fixture().publicClient.readContract({ ...computeMarket(), functionName: 'jobGroup', args: [jobId] });
    expect(await group(first.jobs[1]!.jobId)).toEqual([first.jobs[0]!.jobId, 2n]);
    expect(await group(lone.jobs[0]!.jobId)).toEqual([lone.jobs[0]!.jobId, 1n]);
    expect(await group(second.jobs[0]!.jobId)).toEqual([second.jobs[0]!.jobId, 2n]);
  });
});

describe('agreement keys', () => {
  const KEY = keccak256(toHex('an X25519 public key'));

  it('are set by a provider’s node or owner, with an event, and by nobody else', async () => {
    expect(await fixture().publicClient.readContract({ ...computeMarket(), functionName: 'agreementKeyOf', args: [providerId] })).toBe(`0x${'00'.repeat(32)}`);
    const receipt = await fixture().mined(fixture().market.wallet(NODE).writeContract({ ...computeMarket(), functionName: 'setAgreementKey', args: [providerId, KEY] }));
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'AgreementKeySet')).toEqual({ providerId, key: KEY });
    expect(await fixture().publicClient.readContract({ ...computeMarket(), functionName: 'agreementKeyOf', args: [providerId] })).toBe(KEY);
    await fixture().mined(fixture().market.wallet(PROVIDER).writeContract({ ...computeMarket(), functionName: 'setAgreementKey', args: [providerId, keccak256(KEY)] }));
    await expectRevert(
      fixture().market.wallet(OTHER_NODE).writeContract({ ...computeMarket(), functionName: 'setAgreementKey', args: [providerId, KEY] }),
      'NotProvider',
      [providerId, devAccount(OTHER_NODE).address],
    );
    await expectRevert(fixture().market.wallet(BUYER).writeContract({ ...computeMarket(), functionName: 'setAgreementKey', args: [99n, KEY] }), 'NotProvider', [99n, address(BUYER)]);
  });
});
