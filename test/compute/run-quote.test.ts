/**
 * The buyer's quote of one job over several datasets on one provider, on a real anvil: each dataset's fee, the
 * minutes once, the total the one requestJob escrows (to the unit, the jobs linked in ascending order whatever
 * order the buyer named them in); and what the contract would revert, said first in words naming the dataset at
 * fault — an owner who does not allow the provider, another currency, a licence forbidding AI training, a privacy
 * budget too small, a dataset named twice or too many.
 */
import { getAddress, keccak256, toHex } from 'viem';
import { devAccount } from '@/lib/chain';
import { environmentSpecHash, quoteRun, requestRunArgs, type RunChoice } from '@/lib/compute/buyer/quote';
import { JobDatasetError } from '@/lib/compute/errors';
import { computeMarketAbi, mockStablecoinAbi, mockStablecoinBytecode } from '@/lib/contracts';
import { cpuEnvironment, onlyEvent } from '../helpers/compute';
import { eventsOf, expectRevert } from '../helpers/expect';
import { metadataPointer, termsFor } from '../helpers/terms';
import { allowProviders, LINKED, publishLinkedMarket, useMarketFixture, type Published } from '../contracts/fixture';

const fixture = useMarketFixture();

const { ADMIN, OWNER_B, OWNER_C, BUYER, FEE_A, FEE_B, FEE_C, PER_MINUTE } = LINKED;
const MINUTES = 10;
const ALGORITHM = keccak256(toHex('train.py'));

let A: Published;
let B: Published;
let C: Published;
let providerId: bigint;
let otherProviderId: bigint;

const computeMarket = () => ({ address: fixture().deployments.contracts.computeMarket, abi: computeMarketAbi });
const contracts = () => fixture().deployments.contracts;
const buyer = () => fixture().address(BUYER);
const choice = (datasetIds: bigint[], changes: Partial<RunChoice> = {}): RunChoice => ({ datasetIds, providerId, environment: 0, maxMinutes: MINUTES, aiTraining: false, ...changes });
const quote = (datasetIds: bigint[], changes: Partial<RunChoice> = {}) => quoteRun(fixture().publicClient, contracts(), choice(datasetIds, changes), buyer());

beforeAll(async () => {
  ({ A, B, C, providerId, otherProviderId } = await publishLinkedMarket(fixture(), { A: 'both', B: 'first', C: 'both' }));
});

/** What `promise` rejects with: a JobDatasetError naming `datasetId` in `words`. */
async function refusedFor(promise: Promise<unknown>, datasetId: bigint, words: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(JobDatasetError);
  expect((error as JobDatasetError).datasetId).toBe(datasetId);
  expect((error as JobDatasetError).message).toMatch(words);
}

/** The request the SDK would not send, sent straight to the contract: how the chain refuses it (simulated, nothing paid). */
async function contractRefuses(inputs: { dataset: Published; provider?: bigint }[], aiTraining: boolean, error: string, args: readonly unknown[]): Promise<void> {
  const environmentSpec = environmentSpecHash(cpuEnvironment(PER_MINUTE));
  const rows = inputs.map(({ dataset, provider = providerId }) => ({ datasetId: dataset.datasetId, termsId: dataset.termsId, providerId: provider, environment: 0, environmentSpec: provider === providerId ? environmentSpec : environmentSpecHash(cpuEnvironment(3_000n)), epsilon: 0n, releaseBytes: 4_096n }));
  await expectRevert(fixture().publicClient.simulateContract({ account: devAccount(BUYER), ...computeMarket(), functionName: 'requestJob', args: [rows, ALGORITHM, aiTraining, MINUTES, 10n ** 12n] }), error, args);
}

describe('the quote of a job over several datasets', () => {
  it('orders the datasets as requestJob takes them, prices the minutes once, and escrows exactly its total in one payment', async () => {
    const quoted = await quote([B.datasetId, A.datasetId], { aiTraining: true });
    expect(quoted.jobs.map((job) => [job.datasetId, job.dataFee, job.escrow])).toEqual([
      [A.datasetId, FEE_A, FEE_A + 10n * PER_MINUTE],
      [B.datasetId, FEE_B, FEE_B],
    ]);
    expect(quoted).toMatchObject({ dataFees: FEE_A + FEE_B, escrow: FEE_A + FEE_B + 10n * PER_MINUTE, pricePerMinute: PER_MINUTE, endpoint: 'https://node.example' });

    const wallet = fixture().market.wallet(BUYER);
    const before = await fixture().stablecoin().read.balanceOf([buyer()]);
    await fixture().mined(fixture().stablecoin(BUYER).write.approve([contracts().computeMarket, quoted.escrow]));
    const receipt = await fixture().mined(wallet.writeContract({ ...computeMarket(), functionName: 'requestJob', args: requestRunArgs(choice([B.datasetId, A.datasetId], { aiTraining: true }), quoted, ALGORITHM) }));
    expect(await fixture().stablecoin().read.balanceOf([buyer()])).toBe(before - quoted.escrow);
    const jobs = eventsOf(computeMarketAbi, receipt.logs, 'JobRequested', contracts().computeMarket).map((event) => event.args);
    expect(jobs.map(({ job, escrow }) => [job.datasetId, job.dataFee, job.pricePerMinute, escrow])).toEqual([
      [A.datasetId, FEE_A, PER_MINUTE, FEE_A + 10n * PER_MINUTE],
      [B.datasetId, FEE_B, 0n, FEE_B],
    ]);
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'JobsLinked')).toEqual({ firstJobId: jobs[0]!.jobId, count: 2n });
  });

  it('reserves on every dataset the ε asked and the bytes the tightest budget leaves', async () => {
    await fixture().mined(fixture().market.wallet(OWNER_B).writeContract({ ...computeMarket(), functionName: 'setReleaseBudget', args: [B.datasetId, { epsilonTotal: 0n, epsilonPerBuyer: 1_500_000n, bytesPerJob: 2_048n, bytesPerBuyer: 0n }] }));
    const quoted = await quote([A.datasetId, B.datasetId], { epsilon: 1_000_000n });
    expect(quoted.jobs.map((job) => [job.epsilon, job.releaseBytes, job.noiseRequired])).toEqual([
      [1_000_000n, 2_048n, false],
      [1_000_000n, 2_048n, true],
    ]);
    expect(quoted.jobs[1]!.epsilonLeft).toBe(1_500_000n);
    await refusedFor(quote([A.datasetId, B.datasetId], { epsilon: 2_000_000n }), B.datasetId, /^the job would spend ε 2 of dataset \d+'s privacy budget, which leaves you ε 1\.5$/);
    await refusedFor(quote([A.datasetId, B.datasetId], { releaseBytes: 4_096n }), B.datasetId, /would release up to 4096 bytes of dataset \d+, where its byte budget leaves you 2048/);
  });
});

describe('before paying, a job over several datasets is refused in words naming the dataset at fault, as the contract would revert it', () => {
  it('a dataset whose owner does not allow the provider', async () => {
    await refusedFor(quote([A.datasetId, B.datasetId], { providerId: otherProviderId }), B.datasetId, new RegExp(`^the owner of dataset ${B.datasetId} does not allow provider ${otherProviderId} to run jobs on it$`));
    await contractRefuses([{ dataset: A, provider: otherProviderId }, { dataset: B, provider: otherProviderId }], false, 'ProviderNotAllowed', [B.datasetId, otherProviderId]);
  });

  it('a dataset whose licence forbids the AI training the job declares', async () => {
    await refusedFor(quote([A.datasetId, C.datasetId], { aiTraining: true }), C.datasetId, new RegExp(`^dataset ${C.datasetId}'s licence does not allow AI training$`));
    await contractRefuses([{ dataset: A }, { dataset: C }], true, 'AiTrainingNotAllowed', [C.datasetId]);
    // Without the training declared, the same datasets run together.
    await expect(quote([A.datasetId, C.datasetId])).resolves.toMatchObject({ escrow: FEE_A + FEE_C + 10n * PER_MINUTE });
  });

  it('a dataset sold in another currency', async () => {
    const deployed = await fixture().mined(fixture().market.wallet(OWNER_C).deployContract({ abi: mockStablecoinAbi, bytecode: mockStablecoinBytecode, args: [fixture().address(OWNER_C)] }));
    const otherToken = getAddress(deployed.contractAddress!);
    await fixture().mined(fixture().registry(ADMIN).write.setCurrencyAllowed([otherToken, true]));
    const D = await fixture().publish(OWNER_C, metadataPointer('D'), termsFor({ currency: otherToken, computePrice: 5n, computeOnly: true, downloadPrice: 0n }));
    await allowProviders(fixture().market, OWNER_C, D.datasetId, [providerId]);
    await refusedFor(quote([D.datasetId, A.datasetId]), D.datasetId, new RegExp(`^dataset ${D.datasetId} is priced in ${otherToken}, dataset ${A.datasetId} in ${fixture().deployments.stablecoin.address}: one job escrows one currency$`));
    await contractRefuses([{ dataset: A }, { dataset: D }], false, 'CurrencyMismatch', [D.datasetId, otherToken]);
  });

  it('a dataset named twice, or more datasets than one job takes', async () => {
    await refusedFor(quote([B.datasetId, A.datasetId, B.datasetId]), B.datasetId, /is named twice/);
    await expect(quote(Array.from({ length: 9 }, (_, i) => A.datasetId + BigInt(i)))).rejects.toThrow('a job runs on at most 8 datasets; 9 were named');
    await expect(quote([])).rejects.toThrow('a job needs a dataset');
  });
});
