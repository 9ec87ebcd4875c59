/**
 * ComputeMarket against a real anvil chain: providers registered with their node key's signature, jobs bound to
 * the terms and environment the buyer accepted and their hash commitments, settlement to the last unit (with and
 * without delivered results), refunds, the owners' allowed providers, the decryption access a node key gets while a
 * job it accepted is open, and the owners' algorithm approvals. Every test starts from the same snapshot: datasets
 * published, one provider registered and allowed on all of them, the buyers' allowances given.
 */
import {
  hashTypedData,
  keccak256,
  maxUint256,
  parseEther,
  parseEventLogs,
  toHex,
  zeroAddress,
  zeroHash,
  type Address,
  type Hex,
  type TransactionReceipt,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { devAccount, walletFor } from '@/lib/chain';
import { environmentSpecHash } from '@/lib/compute/buyer/quote';
import { JobStatus, jobResultTypes, providerNodeTypes, resultDomain, signJobResult, signProviderNode, type Environment, type Job } from '@/lib/compute/settlement';
import { computeMarketAbi, contractsOf, type MarketContracts } from '@/lib/contracts';
import { startTestMarket, type TestMarket } from '../helpers/market';
import { expectRevert } from '../helpers/expect';
import { metadataPointer, termsFor } from '../helpers/terms';
import { cpuEnvironment, escrowOf, expectedSplit, feeOn, gpuEnvironment, mined, onlyEvent } from '../helpers/compute';
import { allowProviders, IN_BLOCK_GAS, inOneBlock, minedRevert, nodeSignature, publishDataset, registerProvider } from './fixture';

const ADMIN = 0; // also the treasury
const OWNER = 1;
const NEW_OWNER = 2;
const BUYER = 4;
const STRANGER = 5;
const PROVIDER = 7;
const OTHER_PROVIDER = 8;

const CPU_PRICE = 1_234_567n;
const GPU_PRICE = 9_876_543n;
const FEE_BPS = 250;
const HOUR = 3600n;
const ALGORITHM = keccak256(toHex('algorithm: train-model.py'));
const RESULT = keccak256(toHex('result: outputs.tar'));
const OTHER_ALGORITHM = keccak256(toHex('algorithm: export-rows.py'));
/** Bytes a job reserves from its dataset's byte budget unless a test says otherwise. */
const RELEASE_BYTES = 65_536n;

let market: TestMarket;
let computeMarket: Address;
let marketplace: Address;
let contracts: MarketContracts;
let token: Address;
let chainId: number;
let node: PrivateKeyAccount;
let providerId: bigint;
/** Compute-only, 3.333333 dUSD per job, AI training allowed. */
let computeOnlyDataset: bigint;
/** Downloadable, 2.000001 dUSD per job, AI training forbidden. */
let downloadDataset: bigint;
/** Downloadable with compute price 0: compute not allowed. */
let noComputeDataset: bigint;
/** Compute-only and free. */
let freeDataset: bigint;
let delistedDataset: bigint;
let snapshot: Hex;

const address = (index: number): Address => market.wallet(index).account.address;

async function send(hash: Promise<Hex>): Promise<TransactionReceipt> {
  return mined(market.publicClient, hash);
}

async function blockTime(receipt?: TransactionReceipt): Promise<bigint> {
  const block = await market.publicClient.getBlock(receipt ? { blockNumber: receipt.blockNumber } : {});
  return block.timestamp;
}

async function travelPast(deadline: bigint): Promise<void> {
  const now = await blockTime();
  await market.testClient.increaseTime({ seconds: Number(deadline - now) + 1 });
  await market.testClient.mine({ blocks: 1 });
}

async function newNode(): Promise<PrivateKeyAccount> {
  const account = privateKeyToAccount(generatePrivateKey());
  await market.testClient.setBalance({ address: account.address, value: parseEther('10') });
  return account;
}

const nodeWallet = (account: PrivateKeyAccount) => walletFor(market.publicClient, account);

async function publish(overrides: Parameters<typeof termsFor>[0], seed: string, owner = OWNER): Promise<bigint> {
  return (await publishDataset(market, owner, metadataPointer(seed), termsFor(overrides))).datasetId;
}

/** A wallet for dev account `by`, or for the key `by`. */
const walletOf = (by: number | PrivateKeyAccount) => (typeof by === 'number' ? market.wallet(by) : nodeWallet(by));

/** What a provider registration or update names, and who signs it. */
interface NodeOptions {
  endpoint?: string;
  /** The node key named (default: the signing node's address). */
  signer?: Address;
  /** Default: the node's signature over the sender, the node key named and the endpoint. */
  signature?: Hex;
  /** A gas limit, for transactions sent into one block with others. */
  gas?: bigint;
}

async function nodeArgs(sender: Address, node: PrivateKeyAccount, options: NodeOptions) {
  const endpoint = options.endpoint ?? 'https://node.example';
  const signature = options.signature ?? (await nodeSignature(market, node, sender, endpoint));
  return { endpoint, signer: options.signer ?? node.address, signature };
}

/** registerProvider sent by `owner` for node key `node`. */
async function registerTx(owner: number, node: PrivateKeyAccount, environments: readonly Environment[], options: NodeOptions = {}): Promise<Hex> {
  const { endpoint, signer, signature } = await nodeArgs(address(owner), node, options);
  return market.wallet(owner).writeContract({
    ...contracts.computeMarket,
    functionName: 'registerProvider',
    args: [endpoint, signer, environments, signature],
    gas: options.gas,
  });
}

/** updateProvider of provider `id` sent by `by`, moving it to node key `node`. */
async function updateTx(
  by: number | PrivateKeyAccount,
  id: bigint,
  node: PrivateKeyAccount,
  environments: readonly Environment[],
  options: NodeOptions = {},
): Promise<Hex> {
  const wallet = walletOf(by);
  const { endpoint, signer, signature } = await nodeArgs(wallet.account.address, node, options);
  return wallet.writeContract({
    ...contracts.computeMarket,
    functionName: 'updateProvider',
    args: [id, endpoint, signer, environments, signature],
    gas: options.gas,
  });
}

/** Registers a provider owned by `owner` with node key `node`, allowed on `datasets` by their owner; returns its id. */
async function newProvider(owner: number, node: PrivateKeyAccount, environments: readonly Environment[], datasets: readonly bigint[] = []): Promise<bigint> {
  const id = await registerProvider(market, owner, node, environments);
  for (const datasetId of datasets) await allowProviders(market, OWNER, datasetId, [id]);
  return id;
}

/** Dataset `datasetId`'s owner allows (or withdraws) provider `id` on it. */
const allow = (datasetId: bigint, id = providerId, allowed = true) => allowProviders(market, OWNER, datasetId, [id], allowed);

interface RequestOptions {
  datasetId?: bigint;
  /** The terms the buyer accepted (default: the dataset's terms now). */
  termsId?: bigint;
  provider?: bigint;
  environment?: number;
  /** The environment's specification the buyer accepted (default: the provider's now). */
  environmentSpec?: Hex;
  aiTraining?: boolean;
  /** ε in millionths the job reserves (default 0). */
  epsilon?: bigint;
  releaseBytes?: bigint;
  maxMinutes?: number;
  maxPayment?: bigint;
  buyer?: number;
  /** A gas limit, for requests sent into one block with others. */
  gas?: bigint;
}

/**
 * requestJob's arguments for `options`, naming what a buyer reads before paying: the dataset's terms and the
 * environment's specification hash. Where there are none (an unknown dataset, provider or environment) it names
 * zero: the request then reverts for that reason before comparing them.
 */
async function requestArgs(options: RequestOptions) {
  const datasetId = options.datasetId ?? downloadDataset;
  const provider = options.provider ?? providerId;
  const environment = options.environment ?? 0;
  const termsId =
    options.termsId ??
    (await market.publicClient
      .readContract({ ...contracts.registry, functionName: 'getOffer', args: [datasetId] })
      .then((offer) => offer.termsId)
      .catch(() => 0n));
  const environmentSpec =
    options.environmentSpec ??
    (await market.publicClient
      .readContract({ ...contracts.computeMarket, functionName: 'environmentHash', args: [provider, environment] })
      .catch(() => zeroHash));
  return [
    [{ datasetId, termsId, providerId: provider, environment, environmentSpec, epsilon: options.epsilon ?? 0n, releaseBytes: options.releaseBytes ?? RELEASE_BYTES }],
    ALGORITHM,
    options.aiTraining ?? false,
    options.maxMinutes ?? 30,
    options.maxPayment ?? maxUint256,
  ] as const;
}

async function requestJob(options: RequestOptions = {}): Promise<Hex> {
  return market.wallet(options.buyer ?? BUYER).writeContract({
    ...contracts.computeMarket,
    functionName: 'requestJob',
    args: await requestArgs(options),
    gas: options.gas,
  });
}

interface Requested {
  jobId: bigint;
  job: Job;
  escrow: bigint;
  receipt: TransactionReceipt;
}

async function request(options: RequestOptions = {}): Promise<Requested> {
  const receipt = await send(requestJob(options));
  const args = onlyEvent(computeMarketAbi, receipt.logs, 'JobRequested');
  return { jobId: args.jobId, job: args.job, escrow: args.escrow, receipt };
}

function accept(jobId: bigint, job: Job, by: number | PrivateKeyAccount = node): Promise<Hex> {
  return walletOf(by).writeContract({ ...contracts.computeMarket, functionName: 'acceptJob', args: [jobId, job] });
}

function cancel(jobId: bigint, job: Job, by = BUYER): Promise<Hex> {
  return market.wallet(by).writeContract({ ...contracts.computeMarket, functionName: 'cancelJob', args: [jobId, job] });
}

function refund(jobId: bigint, job: Job, by = BUYER): Promise<Hex> {
  return market.wallet(by).writeContract({ ...contracts.computeMarket, functionName: 'refund', args: [jobId, job] });
}

function sign(
  jobId: bigint,
  minutesUsed: number,
  signer: PrivateKeyAccount = node,
  resultHash: Hex = RESULT,
  delivered = true,
  releasedBytes = 0n,
): Promise<Hex> {
  return signJobResult(signer, { chainId, computeMarket }, { jobId, resultHash, minutesUsed, delivered, releasedBytes });
}

/** Settles `jobId`, signed by the node key over exactly these values unless `signature` is given. */
async function submit(
  jobId: bigint,
  job: Job,
  minutesUsed: number,
  options: { by?: number | PrivateKeyAccount; signature?: Hex; delivered?: boolean; releasedBytes?: bigint } = {},
): Promise<Hex> {
  const by = options.by ?? node;
  const delivered = options.delivered ?? true;
  const releasedBytes = options.releasedBytes ?? 0n;
  const signature = options.signature ?? (await sign(jobId, minutesUsed, node, RESULT, delivered, releasedBytes));
  return walletOf(by).writeContract({
    ...contracts.computeMarket,
    functionName: 'submitResult',
    args: [jobId, job, RESULT, minutesUsed, delivered, releasedBytes, signature],
  });
}

const read = {
  status: (jobId: bigint) =>
    market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'jobStatus', args: [jobId] }),
  isJob: (jobId: bigint, job: Job) =>
    market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'isJob', args: [jobId, job] }),
  withdrawable: (account: Address) =>
    market.publicClient.readContract({
      ...contracts.computeMarket,
      functionName: 'withdrawable',
      args: [token, account],
    }),
  balance: (account: Address) =>
    market.publicClient.readContract({ ...contracts.stablecoin, functionName: 'balanceOf', args: [account] }),
  hasActiveJob: (datasetId: bigint, account: Address) =>
    market.publicClient.readContract({
      ...contracts.computeMarket,
      functionName: 'hasActiveJob',
      args: [datasetId, account],
    }),
  canDecrypt: (datasetId: bigint, account: Address) =>
    market.publicClient.readContract({
      ...contracts.marketplace,
      functionName: 'canDecrypt',
      args: [datasetId, account],
    }),
  provider: (id: bigint) =>
    market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'getProvider', args: [id] }),
  providerIdOf: (signer: Address) =>
    market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'providerIdOf', args: [signer] }),
  environmentHash: (id: bigint, index: number) =>
    market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'environmentHash', args: [id, index] }),
  isProviderAllowed: (datasetId: bigint, id: bigint) =>
    market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'isProviderAllowed', args: [datasetId, id] }),
};

/** Balances of `accounts` in the compute market's withdrawable ledger. */
async function withdrawables(accounts: readonly Address[]): Promise<bigint[]> {
  return Promise.all(accounts.map((account) => read.withdrawable(account)));
}

beforeAll(async () => {
  market = await startTestMarket();
  ({ computeMarket, marketplace } = market.deployments.contracts);
  contracts = contractsOf(market.deployments);
  token = market.deployments.stablecoin.address;
  chainId = market.deployments.chainId;
  const currency = token;

  computeOnlyDataset = await publish(
    { currency, computeOnly: true, downloadPrice: 0n, computePrice: 3_333_333n, aiTrainingAllowed: true },
    'compute-only',
  );
  downloadDataset = await publish({ currency, computePrice: 2_000_001n }, 'download');
  noComputeDataset = await publish({ currency, computePrice: 0n }, 'no-compute');
  freeDataset = await publish({ currency, computeOnly: true, downloadPrice: 0n, computePrice: 0n, aiTrainingAllowed: true }, 'free');
  delistedDataset = await publish({ currency, computePrice: 1_000_000n }, 'delisted');
  await send(market.wallet(OWNER).writeContract({ ...contracts.registry, functionName: 'delist', args: [delistedDataset] }));

  for (const account of [BUYER, STRANGER]) {
    await send(
      market.wallet(account).writeContract({
        ...contracts.stablecoin,
        functionName: 'approve',
        args: [computeMarket, maxUint256],
      }),
    );
  }
  node = await newNode();
  providerId = await newProvider(PROVIDER, node, [cpuEnvironment(CPU_PRICE), gpuEnvironment(GPU_PRICE)], [
    computeOnlyDataset,
    downloadDataset,
    noComputeDataset,
    freeDataset,
    delistedDataset,
  ]);
  snapshot = await market.testClient.snapshot();
});

afterAll(async () => {
  await market?.stop();
});

beforeEach(async () => {
  await market.testClient.revert({ id: snapshot });
  snapshot = await market.testClient.snapshot();
});

describe('providers', () => {
  it('registers a provider with its node key, signed by that key, and environments', async () => {
    const signer = await newNode();
    const environments = [gpuEnvironment(42n)];
    const receipt = await send(registerTx(OTHER_PROVIDER, signer, environments, { endpoint: 'https://gpu.example' }));
    const args = onlyEvent(computeMarketAbi, receipt.logs, 'ProviderRegistered');
    expect(args).toEqual({ providerId: 2n, owner: address(OTHER_PROVIDER), signer: signer.address, endpoint: 'https://gpu.example', environments });

    expect(await read.provider(2n)).toEqual({
      owner: address(OTHER_PROVIDER),
      signer: signer.address,
      active: true,
      endpoint: 'https://gpu.example',
      environments,
    });
    expect(await read.providerIdOf(signer.address)).toBe(2n);
    expect(await read.providerIdOf(node.address)).toBe(providerId);
    expect(
      await market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'providerCount' }),
    ).toBe(2n);
  });

  it('rejects a zero node key, no environments, too many environments and a node key already in use', async () => {
    const signer = await newNode();
    const max = await market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'MAX_ENVIRONMENTS' });
    expect(max).toBe(32n);
    await expectRevert(registerTx(OTHER_PROVIDER, signer, [cpuEnvironment(1n)], { signer: zeroAddress }), 'ZeroAddress');
    await expectRevert(registerTx(OTHER_PROVIDER, signer, []), 'NoEnvironments');
    const many = Array.from({ length: Number(max) + 1 }, (_, i) => cpuEnvironment(BigInt(i)));
    await expectRevert(registerTx(OTHER_PROVIDER, signer, many), 'TooManyEnvironments', [max + 1n]);
    await expectRevert(registerTx(OTHER_PROVIDER, node, [cpuEnvironment(1n)]), 'SignerInUse', [node.address, providerId]);
    // The most environments a provider may offer.
    await send(registerTx(OTHER_PROVIDER, signer, many.slice(1)));
    expect((await read.provider(2n)).environments).toHaveLength(Number(max));
  });

  it('signs the digest the contract exposes for a node registration', async () => {
    const digest = hashTypedData({
      domain: resultDomain(chainId, computeMarket),
      types: providerNodeTypes,
      primaryType: 'ProviderNode',
      message: { owner: address(PROVIDER), signer: node.address, endpoint: 'https://node.example' },
    });
    expect(
      await market.publicClient.readContract({
        ...contracts.computeMarket,
        functionName: 'providerNodeDigest',
        args: [address(PROVIDER), node.address, 'https://node.example'],
      }),
    ).toBe(digest);
    expect(await node.sign({ hash: digest })).toBe(await nodeSignature(market, node, address(PROVIDER), 'https://node.example'));
  });

  it('reverts InvalidNodeSignature unless the node key signed this owner, key and endpoint', async () => {
    const signer = await newNode();
    const other = await newNode();
    const endpoint = 'https://node.example';
    const bad: Hex[] = [
      await nodeSignature(market, other, address(OTHER_PROVIDER), endpoint), // another key
      await nodeSignature(market, signer, address(STRANGER), endpoint), // for another owner
      await nodeSignature(market, signer, address(OTHER_PROVIDER), 'https://elsewhere.example'), // another endpoint
      await signProviderNode(signer, { chainId: chainId + 1, computeMarket }, address(OTHER_PROVIDER), endpoint),
      await signProviderNode(signer, { chainId, computeMarket: marketplace }, address(OTHER_PROVIDER), endpoint),
      await devAccount(OTHER_PROVIDER).signTypedData({
        domain: resultDomain(chainId, computeMarket),
        types: providerNodeTypes,
        primaryType: 'ProviderNode',
        message: { owner: address(OTHER_PROVIDER), signer: signer.address, endpoint },
      }), // by the owner itself
      '0x',
      `0x${'ab'.repeat(65)}`,
    ];
    for (const signature of bad) {
      await expectRevert(registerTx(OTHER_PROVIDER, signer, [cpuEnvironment(1n)], { endpoint, signature }), 'InvalidNodeSignature', [signer.address]);
      await expectRevert(updateTx(PROVIDER, providerId, signer, [cpuEnvironment(1n)], { endpoint, signature }), 'InvalidNodeSignature', [signer.address]);
    }
    expect(await read.providerIdOf(signer.address)).toBe(0n);
    expect((await read.provider(providerId)).signer).toBe(node.address);
  });

  it('key squatting: copying a pending registration’s node signature and sending it first reverts InvalidNodeSignature, and the victim registers', async () => {
    const victimNode = await newNode();
    const endpoint = 'https://victim.example';
    const signature = await nodeSignature(market, victimNode, address(OTHER_PROVIDER), endpoint);
    // The attacker sees the victim's transaction in the mempool and sends its arguments as its own, ahead of it.
    const [squatted, registered] = await inOneBlock(market, [
      () => registerTx(STRANGER, victimNode, [cpuEnvironment(1n)], { endpoint, signature, gas: IN_BLOCK_GAS }),
      () => registerTx(OTHER_PROVIDER, victimNode, [cpuEnvironment(1n)], { endpoint, signature, gas: IN_BLOCK_GAS }),
    ]);
    await expectRevert(minedRevert(market, squatted!), 'InvalidNodeSignature', [victimNode.address]);
    expect(onlyEvent(computeMarketAbi, registered!.logs, 'ProviderRegistered')).toMatchObject({ owner: address(OTHER_PROVIDER), signer: victimNode.address });
    expect(await read.providerIdOf(victimNode.address)).toBe(2n);
  });

  it('reverts getProvider and environmentHash for an unknown id', async () => {
    await expectRevert(read.provider(0n), 'UnknownProvider', [0n]);
    await expectRevert(read.provider(2n), 'UnknownProvider', [2n]);
    await expectRevert(read.environmentHash(2n, 0), 'UnknownProvider', [2n]);
    await expectRevert(read.environmentHash(providerId, 2), 'UnknownEnvironment', [providerId, 2]);
  });

  it('stores each environment’s specification hash, as environmentSpecHash computes it, and replaces them on update', async () => {
    const registered = [cpuEnvironment(CPU_PRICE), gpuEnvironment(GPU_PRICE)];
    for (const [index, environment] of registered.entries()) {
      expect(await read.environmentHash(providerId, index)).toBe(environmentSpecHash(environment));
    }
    expect(environmentSpecHash(registered[0]!)).not.toBe(environmentSpecHash({ ...registered[0]!, pricePerMinute: CPU_PRICE + 1n }));
    expect(environmentSpecHash(registered[1]!)).not.toBe(environmentSpecHash({ ...registered[1]!, gpuModel: 'A100' }));

    await send(updateTx(PROVIDER, providerId, node, [gpuEnvironment(1n)]));
    expect(await read.environmentHash(providerId, 0)).toBe(environmentSpecHash(gpuEnvironment(1n)));
    await expectRevert(read.environmentHash(providerId, 1), 'UnknownEnvironment', [providerId, 1]);
  });

  it('updates the node key, endpoint and environments, freeing the old key', async () => {
    const next = await newNode();
    const environments = [cpuEnvironment(7n), cpuEnvironment(8n), gpuEnvironment(9n)];
    const receipt = await send(updateTx(PROVIDER, providerId, next, environments, { endpoint: 'https://moved.example' }));
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'ProviderUpdated')).toEqual({
      providerId,
      signer: next.address,
      endpoint: 'https://moved.example',
      environments,
    });
    expect(await read.provider(providerId)).toEqual({
      owner: address(PROVIDER),
      signer: next.address,
      active: true,
      endpoint: 'https://moved.example',
      environments,
    });
    expect(await read.providerIdOf(next.address)).toBe(providerId);
    expect(await read.providerIdOf(node.address)).toBe(0n);

    // The freed key can be registered by somebody else, with its signature for them.
    expect(await registerProvider(market, OTHER_PROVIDER, node, [cpuEnvironment(1n)])).toBe(2n);
    expect(await read.providerIdOf(node.address)).toBe(2n);
  });

  it('keeps the same node key on an update that only changes environments', async () => {
    await send(updateTx(PROVIDER, providerId, node, [cpuEnvironment(5n)]));
    expect(await read.providerIdOf(node.address)).toBe(providerId);
    expect((await read.provider(providerId)).environments).toEqual([cpuEnvironment(5n)]);
  });

  it('rejects updates by others, of unknown providers, and with invalid nodes', async () => {
    const otherNode = await newNode();
    const otherId = await registerProvider(market, OTHER_PROVIDER, otherNode, [cpuEnvironment(1n)]);
    const cpu = [cpuEnvironment(1n)];
    await expectRevert(updateTx(PROVIDER, 99n, node, cpu), 'UnknownProvider', [99n]);
    await expectRevert(updateTx(STRANGER, providerId, node, cpu), 'NotProviderOwner', [providerId, address(STRANGER)]);
    await expectRevert(updateTx(node, providerId, node, cpu), 'NotProviderOwner', [providerId, node.address]);
    await expectRevert(updateTx(PROVIDER, providerId, otherNode, cpu), 'SignerInUse', [otherNode.address, otherId]);
    await expectRevert(updateTx(PROVIDER, providerId, node, []), 'NoEnvironments');
    await expectRevert(updateTx(PROVIDER, providerId, node, cpu, { signer: zeroAddress }), 'ZeroAddress');
    // Nothing changed.
    expect(await read.providerIdOf(node.address)).toBe(providerId);
    expect((await read.provider(providerId)).environments).toEqual([cpuEnvironment(CPU_PRICE), gpuEnvironment(GPU_PRICE)]);
  });

  it('retires a provider: no new jobs, open jobs still settle', async () => {
    const open = await request();
    const retire = (by: number, id = providerId) =>
      market.wallet(by).writeContract({ ...contracts.computeMarket, functionName: 'retireProvider', args: [id] });
    await expectRevert(retire(STRANGER), 'NotProviderOwner', [providerId, address(STRANGER)]);
    await expectRevert(retire(PROVIDER, 5n), 'UnknownProvider', [5n]);

    const receipt = await send(retire(PROVIDER));
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'ProviderRetired')).toEqual({ providerId });
    expect((await read.provider(providerId)).active).toBe(false);
    await expectRevert(retire(PROVIDER), 'ProviderNotActive', [providerId]);
    await expectRevert(requestJob(), 'ProviderNotActive', [providerId]);

    await send(accept(open.jobId, open.job));
    await send(submit(open.jobId, open.job, 3));
    expect(await read.status(open.jobId)).toBe(JobStatus.Settled);
  });
});

describe('admin', () => {
  const DEFAULT_ADMIN_ROLE = zeroHash;
  const FEE_ADMIN_ROLE = keccak256(toHex('FEE_ADMIN_ROLE'));

  it('sets the settlement window up to seven days, and only for the admin', async () => {
    const setWindow = (by: number, window: bigint) =>
      market.wallet(by).writeContract({ ...contracts.computeMarket, functionName: 'setSettlementWindow', args: [window] });
    const sevenDays = 7n * 24n * HOUR;
    await expectRevert(setWindow(ADMIN, sevenDays + 1n), 'SettlementWindowTooLong', [sevenDays + 1n]);
    await expectRevert(setWindow(STRANGER, HOUR), 'AccessControlUnauthorizedAccount', [address(STRANGER), DEFAULT_ADMIN_ROLE]);

    const receipt = await send(setWindow(ADMIN, sevenDays));
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'SettlementWindowChanged')).toEqual({ window: sevenDays });
    expect(
      await market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'settlementWindow' }),
    ).toBe(sevenDays);

    const { job, receipt: requested } = await request({ maxMinutes: 10 });
    expect(job.deadline).toBe((await blockTime(requested)) + 600n + sevenDays);
  });

  it('sets the fee and the treasury, only for the fee admin', async () => {
    const setFee = (by: number, bps: number) =>
      market.wallet(by).writeContract({ ...contracts.computeMarket, functionName: 'setFee', args: [bps] });
    const setTreasury = (by: number, treasury: Address) =>
      market.wallet(by).writeContract({ ...contracts.computeMarket, functionName: 'setTreasury', args: [treasury] });
    await expectRevert(setFee(ADMIN, 1001), 'FeeTooHigh', [1001, 1000]);
    await expectRevert(setFee(STRANGER, 10), 'AccessControlUnauthorizedAccount', [address(STRANGER), FEE_ADMIN_ROLE]);
    await expectRevert(setTreasury(ADMIN, zeroAddress), 'ZeroAddress');
    await expectRevert(setTreasury(STRANGER, address(STRANGER)), 'AccessControlUnauthorizedAccount', [address(STRANGER), FEE_ADMIN_ROLE]);

    const feeReceipt = await send(setFee(ADMIN, 1000));
    expect(onlyEvent(computeMarketAbi, feeReceipt.logs, 'FeeChanged')).toEqual({ previousBps: FEE_BPS, feeBps: 1000 });
    const treasuryReceipt = await send(setTreasury(ADMIN, address(NEW_OWNER)));
    expect(onlyEvent(computeMarketAbi, treasuryReceipt.logs, 'TreasuryChanged')).toEqual({
      previousTreasury: address(ADMIN),
      treasury: address(NEW_OWNER),
    });

    // The next settlement pays the 10% fee to the new treasury.
    const { jobId, job } = await request({ maxMinutes: 4 });
    expect(job.feeBps).toBe(1000);
    await send(submit(jobId, job, 4));
    const expectedFee = feeOn(job.dataFee, 1000) + feeOn(4n * CPU_PRICE, 1000);
    expect(await read.withdrawable(address(NEW_OWNER))).toBe(expectedFee);
    expect(await read.withdrawable(address(ADMIN))).toBe(0n);
  });
});

describe('requestJob', () => {
  it('escrows the data fee plus maxMinutes at the price per minute and commits the job', async () => {
    const maxMinutes = 45;
    const [buyerBefore, marketBefore] = await Promise.all([read.balance(address(BUYER)), read.balance(computeMarket)]);
    const { jobId, job, escrow, receipt } = await request({ datasetId: downloadDataset, environment: 1, maxMinutes });

    const expectedEscrow = 2_000_001n + 45n * GPU_PRICE;
    const requestedAt = await blockTime(receipt);
    const expectedJob: Job = {
      datasetId: downloadDataset,
      providerId,
      buyer: address(BUYER),
      currency: token,
      algorithmHash: ALGORITHM,
      dataFee: 2_000_001n,
      pricePerMinute: GPU_PRICE,
      maxMinutes,
      feeBps: FEE_BPS,
      environment: 1,
      aiTraining: false,
      deadline: requestedAt + 45n * 60n + HOUR,
      epsilon: 0n,
      releaseBytes: RELEASE_BYTES,
    };
    expect(jobId).toBe(1n);
    expect(job).toEqual(expectedJob);
    expect(escrow).toBe(expectedEscrow);
    const event = onlyEvent(computeMarketAbi, receipt.logs, 'JobRequested');
    expect(event.datasetId).toBe(downloadDataset);
    expect(event.providerId).toBe(providerId);

    expect(await read.balance(address(BUYER))).toBe(buyerBefore - expectedEscrow);
    expect(await read.balance(computeMarket)).toBe(marketBefore + expectedEscrow);
    expect(await read.status(jobId)).toBe(JobStatus.Requested);
    expect(await read.isJob(jobId, expectedJob)).toBe(true);
    expect(
      await market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'escrowOf', args: [expectedJob] }),
    ).toBe(expectedEscrow);
    expect(await market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'jobCount' })).toBe(1n);

    const second = await request({ datasetId: computeOnlyDataset, aiTraining: true, maxMinutes: 1 });
    expect(second.jobId).toBe(2n);
    expect(second.escrow).toBe(3_333_333n + CPU_PRICE);
    expect(await market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'jobCount' })).toBe(2n);
  });

  it('accepts exactly the escrow as maxPayment and rejects one unit less', async () => {
    const escrow = 2_000_001n + 30n * CPU_PRICE;
    await expectRevert(requestJob({ maxPayment: escrow - 1n }), 'PaymentAboveMax', [escrow, escrow - 1n]);
    expect((await request({ maxPayment: escrow })).escrow).toBe(escrow);
  });

  it('runs a free job on a free compute-only dataset without moving tokens', async () => {
    const freeNode = await newNode();
    const freeProvider = await newProvider(OTHER_PROVIDER, freeNode, [cpuEnvironment(0n)], [freeDataset]);
    const before = await read.balance(computeMarket);
    const { jobId, job, escrow } = await request({ datasetId: freeDataset, provider: freeProvider, maxMinutes: 5, maxPayment: 0n });
    expect(escrow).toBe(0n);
    expect(await read.balance(computeMarket)).toBe(before);
    await send(submit(jobId, job, 5, { by: freeNode, signature: await sign(jobId, 5, freeNode) }));
    expect(await read.status(jobId)).toBe(JobStatus.Settled);
  });

  it('reverts for datasets that cannot be computed on', async () => {
    await expectRevert(requestJob({ datasetId: delistedDataset }), 'DatasetNotListed', [delistedDataset]);
    await expectRevert(requestJob({ datasetId: noComputeDataset }), 'ComputeNotAllowed', [noComputeDataset]);
    await expectRevert(requestJob({ datasetId: downloadDataset, aiTraining: true }), 'AiTrainingNotAllowed', [downloadDataset]);
    // An unknown dataset has terms id 0 and is listed by nobody (the market reads no owner for a job).
    await expectRevert(requestJob({ datasetId: 999n }), 'DatasetNotListed', [999n]);
  });

  it('reverts for invalid minutes, providers and environments', async () => {
    await expectRevert(requestJob({ maxMinutes: 0 }), 'ZeroMinutes');
    await expectRevert(requestJob({ provider: 0n }), 'UnknownProvider', [0n]);
    await expectRevert(requestJob({ provider: 2n }), 'UnknownProvider', [2n]);
    await expectRevert(requestJob({ environment: 2 }), 'UnknownEnvironment', [providerId, 2]);
    await send(market.wallet(PROVIDER).writeContract({ ...contracts.computeMarket, functionName: 'retireProvider', args: [providerId] }));
    await expectRevert(requestJob(), 'ProviderNotActive', [providerId]);
    expect(await market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'jobCount' })).toBe(0n);
  });

  it('reverts TermsMismatch for terms other than the dataset’s, before any other check of the dataset', async () => {
    const termsId = (await requestArgs({}))[0][0].termsId;
    await expectRevert(requestJob({ termsId: termsId + 1n }), 'TermsMismatch', [downloadDataset, termsId + 1n, termsId]);
    const delistedTerms = (await requestArgs({ datasetId: delistedDataset }))[0][0].termsId;
    await expectRevert(requestJob({ datasetId: delistedDataset, termsId: 0n }), 'TermsMismatch', [delistedDataset, 0n, delistedTerms]);
  });

  it.each([
    ['setPrices', (datasetId: bigint) => market.wallet(OWNER).writeContract({ ...contracts.registry, functionName: 'setPrices', args: [datasetId, 0n, 1n], gas: IN_BLOCK_GAS })],
    ['setTerms', (datasetId: bigint) => market.wallet(OWNER).writeContract({ ...contracts.registry, functionName: 'setTerms', args: [datasetId, 1n], gas: IN_BLOCK_GAS })],
  ] as const)('reverts TermsMismatch when %s lands in the same block before requestJob, escrowing nothing', async (_, change) => {
    // The compute-only dataset's terms id is 1: setTerms moves the download dataset to them.
    const termsId = (await requestArgs({}))[0][0].termsId;
    const before = await read.balance(address(BUYER));
    const [changed, requested] = await inOneBlock(market, [() => change(downloadDataset), () => requestJob({ termsId, gas: IN_BLOCK_GAS })]);
    expect(changed!.status).toBe('success');
    const current = (await requestArgs({}))[0][0].termsId;
    expect(current).not.toBe(termsId);
    await expectRevert(minedRevert(market, requested!), 'TermsMismatch', [downloadDataset, termsId, current]);
    expect(await read.balance(address(BUYER))).toBe(before);
  });

  it('reverts ProviderNotAllowed for a provider the dataset’s owner never allowed or withdrew', async () => {
    const otherNode = await newNode();
    const other = await newProvider(OTHER_PROVIDER, otherNode, [cpuEnvironment(1n)]);
    await expectRevert(requestJob({ provider: other }), 'ProviderNotAllowed', [downloadDataset, other]);
    await allow(downloadDataset, providerId, false);
    await expectRevert(requestJob(), 'ProviderNotAllowed', [downloadDataset, providerId]);
    await allow(downloadDataset, other);
    expect((await request({ provider: other })).job.providerId).toBe(other);
  });

  it('reverts EnvironmentMismatch for a specification other than the environment’s', async () => {
    const cpuSpec = environmentSpecHash(cpuEnvironment(CPU_PRICE));
    await expectRevert(requestJob({ environment: 1, environmentSpec: cpuSpec }), 'EnvironmentMismatch', [providerId, 1]);
    await expectRevert(requestJob({ environmentSpec: zeroHash }), 'EnvironmentMismatch', [providerId, 0]);
    expect((await request({ environmentSpec: cpuSpec })).job.pricePerMinute).toBe(CPU_PRICE);
  });

  it('reverts EnvironmentMismatch when updateProvider swaps the environment in the same block before requestJob', async () => {
    const environmentSpec = environmentSpecHash(cpuEnvironment(CPU_PRICE));
    // Same price, a tenth of the memory: the buyer would pay for a machine it did not choose.
    const swapped = { ...cpuEnvironment(CPU_PRICE), memoryMb: 3_276 };
    const [updated, requested] = await inOneBlock(market, [
      () => updateTx(PROVIDER, providerId, node, [swapped, gpuEnvironment(GPU_PRICE)], { gas: IN_BLOCK_GAS }),
      () => requestJob({ environmentSpec, gas: IN_BLOCK_GAS }),
    ]);
    expect(updated!.status).toBe('success');
    await expectRevert(minedRevert(market, requested!), 'EnvironmentMismatch', [providerId, 0]);
    expect(await market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'jobCount' })).toBe(0n);
  });

  it('reverts when the buyer has not approved the escrow', async () => {
    await expectRevert(requestJob({ buyer: NEW_OWNER }), 'ERC20InsufficientAllowance');
  });
});

describe('acceptJob', () => {
  it('lets the node key or the provider owner accept a requested job', async () => {
    const first = await request();
    const receipt = await send(accept(first.jobId, first.job, node));
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'JobAccepted')).toEqual({ jobId: first.jobId });
    expect(await read.status(first.jobId)).toBe(JobStatus.Accepted);
    expect(await read.isJob(first.jobId, first.job)).toBe(true);

    const second = await request();
    await send(accept(second.jobId, second.job, PROVIDER));
    expect(await read.status(second.jobId)).toBe(JobStatus.Accepted);
  });

  it('rejects a tampered job and an unknown job id', async () => {
    const { jobId, job } = await request();
    const tampered: Job[] = [
      { ...job, dataFee: job.dataFee - 1n },
      { ...job, pricePerMinute: 1n },
      { ...job, maxMinutes: job.maxMinutes + 1 },
      { ...job, feeBps: 0 },
      { ...job, buyer: address(STRANGER) },
      { ...job, deadline: job.deadline + 1000n },
      { ...job, providerId: 2n },
      { ...job, algorithmHash: RESULT },
      { ...job, aiTraining: true },
    ];
    for (const fake of tampered) {
      await expectRevert(accept(jobId, fake), 'JobMismatch', [jobId]);
      expect(await read.isJob(jobId, fake)).toBe(false);
    }
    await expectRevert(accept(jobId + 1n, job), 'JobMismatch', [jobId + 1n]);
    expect(await read.isJob(jobId + 1n, job)).toBe(false);
    expect(await read.status(jobId + 1n)).toBe(JobStatus.None);
    expect(await read.status(jobId)).toBe(JobStatus.Requested);
  });

  it('rejects callers other than the provider, a second accept and a passed deadline', async () => {
    const { jobId, job } = await request();
    await expectRevert(accept(jobId, job, BUYER), 'NotProvider', [providerId, address(BUYER)]);
    await expectRevert(accept(jobId, job, OTHER_PROVIDER), 'NotProvider', [providerId, address(OTHER_PROVIDER)]);
    await send(accept(jobId, job));
    await expectRevert(accept(jobId, job), 'InvalidJobStatus', [jobId, JobStatus.Accepted]);

    const late = await request();
    await travelPast(late.job.deadline);
    await expectRevert(accept(late.jobId, late.job), 'DeadlinePassed', [late.jobId, late.job.deadline]);
  });

  it('accepts at the deadline itself and not one second later', async () => {
    const first = await request();
    await market.testClient.setNextBlockTimestamp({ timestamp: first.job.deadline });
    const receipt = await send(accept(first.jobId, first.job));
    expect(await blockTime(receipt)).toBe(first.job.deadline);

    const second = await request({ maxMinutes: 1 });
    await market.testClient.setNextBlockTimestamp({ timestamp: second.job.deadline + 1n });
    await market.testClient.mine({ blocks: 1 });
    await expectRevert(accept(second.jobId, second.job), 'DeadlinePassed', [second.jobId, second.job.deadline]);
  });

  it('reverts ProviderNotAllowed when the owner withdrew the provider since the request; the buyer can still cancel', async () => {
    const { jobId, job, escrow } = await request();
    await allow(downloadDataset, providerId, false);
    await expectRevert(accept(jobId, job), 'ProviderNotAllowed', [downloadDataset, providerId]);
    await expectRevert(accept(jobId, job, PROVIDER), 'ProviderNotAllowed', [downloadDataset, providerId]);
    expect(await read.status(jobId)).toBe(JobStatus.Requested);
    await send(cancel(jobId, job));
    expect(await read.withdrawable(address(BUYER))).toBe(escrow);
  });
});

describe('allowed providers', () => {
  function setAllowed(by: number, datasetId: bigint, ids: readonly bigint[], allowed: boolean): Promise<Hex> {
    return market.wallet(by).writeContract({ ...contracts.computeMarket, functionName: 'setProvidersAllowed', args: [datasetId, ids, allowed] });
  }

  it('lets the owner allow and withdraw several providers per dataset, with a ProviderAllowanceSet event for each', async () => {
    const other = await newProvider(OTHER_PROVIDER, await newNode(), [cpuEnvironment(1n)]);
    expect(await read.isProviderAllowed(computeOnlyDataset, other)).toBe(false);
    await allow(computeOnlyDataset, providerId, false);

    const allowed = await send(setAllowed(OWNER, computeOnlyDataset, [providerId, other], true));
    expect(parseEventLogs({ abi: computeMarketAbi, logs: allowed.logs, eventName: 'ProviderAllowanceSet', strict: true }).map((e) => e.args)).toEqual([
      { datasetId: computeOnlyDataset, providerId, allowed: true },
      { datasetId: computeOnlyDataset, providerId: other, allowed: true },
    ]);
    expect([await read.isProviderAllowed(computeOnlyDataset, providerId), await read.isProviderAllowed(computeOnlyDataset, other)]).toEqual([true, true]);
    // Per dataset.
    expect(await read.isProviderAllowed(downloadDataset, other)).toBe(false);

    const withdrawn = await send(setAllowed(OWNER, computeOnlyDataset, [other], false));
    expect(onlyEvent(computeMarketAbi, withdrawn.logs, 'ProviderAllowanceSet')).toEqual({ datasetId: computeOnlyDataset, providerId: other, allowed: false });
    expect([await read.isProviderAllowed(computeOnlyDataset, providerId), await read.isProviderAllowed(computeOnlyDataset, other)]).toEqual([true, false]);
  });

  it('is only for the dataset’s current owner (NotDatasetOwner) and known providers (UnknownProvider), changing nothing', async () => {
    for (const account of [STRANGER, BUYER, PROVIDER, ADMIN]) {
      await expectRevert(setAllowed(account, computeOnlyDataset, [providerId], false), 'NotDatasetOwner', [computeOnlyDataset, address(account)]);
    }
    await expectRevert(
      nodeWallet(node).writeContract({ ...contracts.computeMarket, functionName: 'setProvidersAllowed', args: [computeOnlyDataset, [providerId], false] }),
      'NotDatasetOwner',
      [computeOnlyDataset, node.address],
    );
    await expectRevert(setAllowed(OWNER, 999n, [providerId], true), 'NotDatasetOwner', [999n, address(OWNER)]);
    await expectRevert(setAllowed(OWNER, computeOnlyDataset, [providerId, 2n], false), 'UnknownProvider', [2n]);
    await expectRevert(setAllowed(OWNER, computeOnlyDataset, [0n], true), 'UnknownProvider', [0n]);
    expect(await read.isProviderAllowed(computeOnlyDataset, providerId)).toBe(true);
  });

  it('belongs to the dataset: after a transfer the allowances stay and only the new owner changes them', async () => {
    await send(
      market.wallet(OWNER).writeContract({
        ...contracts.registry,
        functionName: 'transferFrom',
        args: [address(OWNER), address(NEW_OWNER), computeOnlyDataset],
      }),
    );
    expect(await read.isProviderAllowed(computeOnlyDataset, providerId)).toBe(true);
    await expectRevert(setAllowed(OWNER, computeOnlyDataset, [providerId], false), 'NotDatasetOwner', [computeOnlyDataset, address(OWNER)]);
    await send(setAllowed(NEW_OWNER, computeOnlyDataset, [providerId], false));
    expect(await read.isProviderAllowed(computeOnlyDataset, providerId)).toBe(false);
  });
});

describe('cancelJob', () => {
  it('credits the buyer the whole escrow before acceptance', async () => {
    const { jobId, job, escrow } = await request({ environment: 1, maxMinutes: 17 });
    const before = await read.balance(computeMarket);
    const receipt = await send(cancel(jobId, job));
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'JobCancelled')).toEqual({ jobId, amount: escrow });
    expect(escrow).toBe(2_000_001n + 17n * GPU_PRICE);
    expect(await read.status(jobId)).toBe(JobStatus.Cancelled);
    expect(await read.withdrawable(address(BUYER))).toBe(escrow);
    expect(await read.balance(computeMarket)).toBe(before); // credited, not pushed
    await expectRevert(cancel(jobId, job), 'InvalidJobStatus', [jobId, JobStatus.Cancelled]);
    await expectRevert(accept(jobId, job), 'InvalidJobStatus', [jobId, JobStatus.Cancelled]);
  });

  it('lets only the buyer cancel, and only before the provider accepts', async () => {
    const { jobId, job } = await request();
    await expectRevert(cancel(jobId, job, STRANGER), 'NotBuyer', [jobId, address(STRANGER)]);
    await expectRevert(cancel(jobId, job, PROVIDER), 'NotBuyer', [jobId, address(PROVIDER)]);
    await expectRevert(cancel(jobId, { ...job, buyer: address(STRANGER) }, STRANGER), 'JobMismatch', [jobId]);
    await send(accept(jobId, job));
    await expectRevert(cancel(jobId, job), 'InvalidJobStatus', [jobId, JobStatus.Accepted]);
    expect(await read.withdrawable(address(BUYER))).toBe(0n);
  });
});

describe('submitResult', () => {
  /**
   * Settles `requested` and checks the event and every party's credit to the unit. `owner` is the account that
   * owns the dataset; the event names it only when the results were delivered.
   */
  async function expectSettlement(
    requested: Requested,
    minutesUsed: number,
    expected: { owner: bigint; provider: bigint; fee: bigint; buyer: bigint },
    options: { by?: number | PrivateKeyAccount; owner?: Address; delivered?: boolean } = {},
  ): Promise<void> {
    const owner = options.owner ?? address(OWNER);
    const delivered = options.delivered ?? true;
    const accounts = [owner, address(PROVIDER), address(ADMIN), address(BUYER)];
    const before = await withdrawables(accounts);
    const tokenBefore = await read.balance(computeMarket);
    const receipt = await send(submit(requested.jobId, requested.job, minutesUsed, { by: options.by, delivered }));
    const settled = onlyEvent(computeMarketAbi, receipt.logs, 'JobSettled');
    expect(settled).toEqual({
      jobId: requested.jobId,
      resultHash: RESULT,
      minutesUsed,
      delivered,
      releasedBytes: 0n,
      split: {
        owner: delivered ? owner : zeroAddress,
        ownerAmount: expected.owner,
        providerAmount: expected.provider,
        marketFee: expected.fee,
        buyerRefund: expected.buyer,
      },
    });
    const after = await withdrawables(accounts);
    expect(after.map((value, i) => value - (before[i] ?? 0n))).toEqual([expected.owner, expected.provider, expected.fee, expected.buyer]);
    expect(expected.owner + expected.provider + expected.fee + expected.buyer).toBe(requested.escrow);
    expect(await read.balance(computeMarket)).toBe(tokenBefore);
    expect(await read.status(requested.jobId)).toBe(JobStatus.Settled);
  }

  it('splits the escrow to the last unit', async () => {
    // GPU at 9.876543/min for up to 50 min, 2.000001 data fee, 2.5% fee; 37 minutes used.
    const requested = await request({ environment: 1, maxMinutes: 50 });
    await send(accept(requested.jobId, requested.job));
    const providerFee = 37n * 9_876_543n; // 365_432_091
    const dataCut = (2_000_001n * 250n) / 10_000n; // 50_000 (50_000.025 rounded down)
    const providerCut = (providerFee * 250n) / 10_000n; // 9_135_802 (…802.275 rounded down)
    expect([dataCut, providerCut]).toEqual([50_000n, 9_135_802n]);
    await expectSettlement(requested, 37, {
      owner: 2_000_001n - 50_000n,
      provider: providerFee - 9_135_802n,
      fee: 50_000n + 9_135_802n,
      buyer: 13n * 9_876_543n,
    });
  });

  it.each([0, 1, 29, 30])('settles %i of 30 minutes with the split computed independently', async (minutesUsed) => {
    const requested = await request({ datasetId: computeOnlyDataset, maxMinutes: 30 });
    const split = expectedSplit(requested.job, minutesUsed);
    await expectSettlement(requested, minutesUsed, {
      owner: split.ownerAmount,
      provider: split.providerAmount,
      fee: split.marketFee,
      buyer: split.buyerRefund,
    });
  });

  it('settles a job that was never accepted, sent by the provider owner', async () => {
    const requested = await request({ maxMinutes: 3 });
    const split = expectedSplit(requested.job, 2);
    await expectSettlement(
      requested,
      2,
      { owner: split.ownerAmount, provider: split.providerAmount, fee: split.marketFee, buyer: split.buyerRefund },
      { by: PROVIDER },
    );
  });

  it('uses the fee snapshotted at request even after the admin changes it', async () => {
    const old = await request({ maxMinutes: 10 });
    await send(market.wallet(ADMIN).writeContract({ ...contracts.computeMarket, functionName: 'setFee', args: [1000] }));
    const fresh = await request({ maxMinutes: 10 });
    expect(old.job.feeBps).toBe(250);
    expect(fresh.job.feeBps).toBe(1000);

    await expectSettlement(old, 10, {
      owner: 2_000_001n - 50_000n,
      provider: 10n * CPU_PRICE - (10n * CPU_PRICE * 250n) / 10_000n,
      fee: 50_000n + (10n * CPU_PRICE * 250n) / 10_000n,
      buyer: 0n,
    });
    await expectSettlement(fresh, 10, {
      owner: 2_000_001n - 200_000n,
      provider: 10n * CPU_PRICE - (10n * CPU_PRICE * 1000n) / 10_000n,
      fee: 200_000n + (10n * CPU_PRICE * 1000n) / 10_000n,
      buyer: 0n,
    });
  });

  it('pays the data fee to the current NFT owner after a transfer', async () => {
    const requested = await request({ maxMinutes: 6 });
    await send(
      market.wallet(OWNER).writeContract({
        ...contracts.registry,
        functionName: 'transferFrom',
        args: [address(OWNER), address(NEW_OWNER), downloadDataset],
      }),
    );
    const split = expectedSplit(requested.job, 4);
    await expectSettlement(
      requested,
      4,
      { owner: split.ownerAmount, provider: split.providerAmount, fee: split.marketFee, buyer: split.buyerRefund },
      { owner: address(NEW_OWNER) },
    );
    expect(await read.withdrawable(address(OWNER))).toBe(0n);
  });

  it.each([true, false])('signs the digest the contract exposes (delivered: %s)', async (delivered) => {
    const digest = hashTypedData({
      domain: resultDomain(chainId, computeMarket),
      types: jobResultTypes,
      primaryType: 'JobResult',
      message: { jobId: 7n, resultHash: RESULT, minutesUsed: 12, delivered, releasedBytes: 99n },
    });
    const onChain = (flag: boolean) =>
      market.publicClient.readContract({
        ...contracts.computeMarket,
        functionName: 'resultDigest',
        args: [7n, RESULT, 12, flag, 99n],
      });
    expect(await onChain(delivered)).toBe(digest);
    expect(await onChain(!delivered)).not.toBe(digest);
    expect(await node.sign({ hash: digest })).toBe(await sign(7n, 12, node, RESULT, delivered, 99n));
  });

  it('rejects signatures that are not the node key over these exact values', async () => {
    const { jobId, job } = await request({ maxMinutes: 10 });
    const stranger = privateKeyToAccount(generatePrivateKey());
    const providerOwner = devAccount(PROVIDER);
    expect(providerOwner.address).toBe(address(PROVIDER));
    const result = { jobId, resultHash: RESULT, minutesUsed: 5, delivered: true, releasedBytes: 0n };
    const bad: Hex[] = [
      await sign(jobId, 5, stranger),
      await signJobResult(providerOwner, { chainId, computeMarket }, result),
      await sign(jobId, 4), // other minutes
      await sign(jobId + 1n, 5), // other job
      await sign(jobId, 5, node, keccak256(toHex('other result'))),
      await sign(jobId, 5, node, RESULT, false), // not delivered
      await sign(jobId, 5, node, RESULT, true, 1n), // other bytes released
      await signJobResult(node, { chainId: chainId + 1, computeMarket }, result),
      await signJobResult(node, { chainId, computeMarket: marketplace }, result),
      '0x',
      '0x1234',
      `0x${'ab'.repeat(65)}`,
    ];
    for (const signature of bad) {
      await expectRevert(submit(jobId, job, 5, { signature }), 'InvalidReceiptSignature', [jobId]);
    }
    // Nor can the provider's owner, who sends the transaction, turn the node's "delivered" into "not delivered".
    await expectRevert(submit(jobId, job, 5, { by: PROVIDER, signature: await sign(jobId, 5), delivered: false }), 'InvalidReceiptSignature', [jobId]);
    expect(await read.status(jobId)).toBe(JobStatus.Requested);
  });

  it('accepts only the new node key after a rotation', async () => {
    const { jobId, job } = await request({ maxMinutes: 10 });
    const next = await newNode();
    await send(updateTx(PROVIDER, providerId, next, [cpuEnvironment(1n)]));
    await expectRevert(submit(jobId, job, 5, { by: node }), 'NotProvider', [providerId, node.address]);
    await expectRevert(submit(jobId, job, 5, { by: PROVIDER }), 'InvalidReceiptSignature', [jobId]);
    // The job keeps the price it was requested at, not the updated environment's.
    await send(submit(jobId, job, 5, { by: next, signature: await sign(jobId, 5, next) }));
    expect(await read.withdrawable(address(PROVIDER))).toBe(5n * CPU_PRICE - feeOn(5n * CPU_PRICE, FEE_BPS));
  });

  it('rejects too many minutes, other senders, a passed deadline and a second settlement', async () => {
    const { jobId, job } = await request({ maxMinutes: 10 });
    await expectRevert(submit(jobId, job, 11), 'TooManyMinutes', [11, 10]);
    await expectRevert(submit(jobId, job, 5, { by: BUYER }), 'NotProvider', [providerId, address(BUYER)]);
    await expectRevert(submit(jobId, { ...job, maxMinutes: 11 }, 11), 'JobMismatch', [jobId]);
    await send(submit(jobId, job, 5));
    await expectRevert(submit(jobId, job, 5), 'InvalidJobStatus', [jobId, JobStatus.Settled]);
    await expectRevert(cancel(jobId, job), 'InvalidJobStatus', [jobId, JobStatus.Settled]);
    await expectRevert(refund(jobId, job), 'InvalidJobStatus', [jobId, JobStatus.Settled]);

    const late = await request({ maxMinutes: 1 });
    await send(accept(late.jobId, late.job));
    await travelPast(late.job.deadline);
    await expectRevert(submit(late.jobId, late.job, 1), 'DeadlinePassed', [late.jobId, late.job.deadline]);

    const cancelled = await request({ maxMinutes: 1 });
    await send(cancel(cancelled.jobId, cancelled.job));
    await expectRevert(submit(cancelled.jobId, cancelled.job, 1), 'InvalidJobStatus', [cancelled.jobId, JobStatus.Cancelled]);
  });
});

describe('submitResult without delivered results', () => {
  /** Withdraws every account's credit and returns what each received, in tokens. */
  async function withdrawAll(accounts: readonly number[]): Promise<bigint[]> {
    const received: bigint[] = [];
    for (const account of accounts) {
      const before = await read.balance(address(account));
      if ((await read.withdrawable(address(account))) > 0n) {
        await send(market.wallet(account).writeContract({ ...contracts.computeMarket, functionName: 'withdraw', args: [token] }));
      }
      received.push((await read.balance(address(account))) - before);
    }
    return received;
  }

  it('refunds the whole data fee to the buyer, pays the provider its minutes and takes no fee on the data fee', async () => {
    // GPU at 9.876543/min for up to 50 min, 2.000001 data fee, 2.5% fee; 37 minutes used, outputs withheld.
    const buyerStart = await read.balance(address(BUYER));
    const requested = await request({ environment: 1, maxMinutes: 50 });
    await send(accept(requested.jobId, requested.job));
    const providerFee = 37n * 9_876_543n; // 365_432_091
    const providerCut = 9_135_802n; // 2.5% of it, rounded down
    expect(feeOn(providerFee, FEE_BPS)).toBe(providerCut);

    const receipt = await send(submit(requested.jobId, requested.job, 37, { delivered: false }));
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'JobSettled')).toEqual({
      jobId: requested.jobId,
      resultHash: RESULT,
      minutesUsed: 37,
      delivered: false,
      releasedBytes: 0n,
      split: {
        owner: zeroAddress,
        ownerAmount: 0n,
        providerAmount: providerFee - providerCut,
        marketFee: providerCut,
        buyerRefund: 2_000_001n + 13n * 9_876_543n,
      },
    });
    expect(await read.status(requested.jobId)).toBe(JobStatus.Settled);

    // To the unit, in tokens: the buyer paid exactly the minutes used; the owner got nothing.
    const [owner, provider, treasury, buyer] = await withdrawAll([OWNER, PROVIDER, ADMIN, BUYER]);
    expect({ owner, provider, treasury, buyer }).toEqual({
      owner: 0n,
      provider: providerFee - providerCut,
      treasury: providerCut,
      buyer: 2_000_001n + 13n * 9_876_543n,
    });
    expect(await read.balance(address(BUYER))).toBe(buyerStart - providerFee);
    expect(await read.balance(computeMarket)).toBe(0n);
  });

  it.each([0, 1, 29, 30])('settles %i of 30 minutes undelivered with the split computed independently', async (minutesUsed) => {
    const requested = await request({ datasetId: computeOnlyDataset, maxMinutes: 30 });
    const split = expectedSplit(requested.job, minutesUsed, false);
    expect(split.ownerAmount).toBe(0n);
    expect(split.buyerRefund).toBe(3_333_333n + BigInt(30 - minutesUsed) * CPU_PRICE);
    await expectUndelivered(requested, minutesUsed, split);
  });

  it('gives a job that failed before running its whole escrow back, with no fee at all', async () => {
    const requested = await request({ datasetId: computeOnlyDataset, environment: 1, maxMinutes: 5 });
    await send(accept(requested.jobId, requested.job));
    await expectUndelivered(requested, 0, { ownerAmount: 0n, providerAmount: 0n, marketFee: 0n, buyerRefund: requested.escrow });
    expect(await read.withdrawable(address(ADMIN))).toBe(0n);
  });

  it('closes the job like a delivered settlement: no second settlement, no refund, no more decryption access', async () => {
    const { jobId, job } = await request({ datasetId: computeOnlyDataset, maxMinutes: 10 });
    await send(accept(jobId, job));
    expect(await read.hasActiveJob(computeOnlyDataset, node.address)).toBe(true);
    await send(submit(jobId, job, 3, { delivered: false }));
    expect(await read.hasActiveJob(computeOnlyDataset, node.address)).toBe(false);
    await expectRevert(submit(jobId, job, 3, { delivered: true }), 'InvalidJobStatus', [jobId, JobStatus.Settled]);
    await expectRevert(submit(jobId, job, 3, { delivered: false }), 'InvalidJobStatus', [jobId, JobStatus.Settled]);
    await travelPast(job.deadline);
    await expectRevert(refund(jobId, job), 'InvalidJobStatus', [jobId, JobStatus.Settled]);
  });

  it('accepts only the node key\'s signature over "not delivered"', async () => {
    const { jobId, job } = await request({ maxMinutes: 10 });
    // A signature over "delivered" cannot settle as undelivered, which would refund the data fee.
    await expectRevert(submit(jobId, job, 5, { delivered: false, signature: await sign(jobId, 5) }), 'InvalidReceiptSignature', [jobId]);
    await expectRevert(
      submit(jobId, job, 5, { delivered: false, signature: await sign(jobId, 5, privateKeyToAccount(generatePrivateKey()), RESULT, false) }),
      'InvalidReceiptSignature',
      [jobId],
    );
    await send(submit(jobId, job, 5, { delivered: false, signature: await sign(jobId, 5, node, RESULT, false) }));
    expect(await read.withdrawable(address(OWNER))).toBe(0n);
  });

  /** Settles `requested` undelivered and checks the event and the credits against `split`. */
  async function expectUndelivered(requested: Requested, minutesUsed: number, split: ReturnType<typeof expectedSplit>): Promise<void> {
    const accounts = [address(OWNER), address(PROVIDER), address(ADMIN), address(BUYER)];
    const before = await withdrawables(accounts);
    const receipt = await send(submit(requested.jobId, requested.job, minutesUsed, { delivered: false }));
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'JobSettled')).toEqual({
      jobId: requested.jobId,
      resultHash: RESULT,
      minutesUsed,
      delivered: false,
      releasedBytes: 0n,
      split: { owner: zeroAddress, ...split },
    });
    const after = await withdrawables(accounts);
    expect(after.map((value, i) => value - (before[i] ?? 0n))).toEqual([split.ownerAmount, split.providerAmount, split.marketFee, split.buyerRefund]);
    expect(split.ownerAmount + split.providerAmount + split.marketFee + split.buyerRefund).toBe(requested.escrow);
  }
});

describe('algorithm approvals', () => {
  function setApproval(by: number, datasetId: bigint, algorithmHash: Hex, approved: boolean): Promise<Hex> {
    return market.wallet(by).writeContract({
      ...contracts.computeMarket,
      functionName: 'setAlgorithmApproval',
      args: [datasetId, algorithmHash, approved],
    });
  }

  const isApproved = (datasetId: bigint, algorithmHash: Hex) =>
    market.publicClient.readContract({
      ...contracts.computeMarket,
      functionName: 'isAlgorithmApproved',
      args: [datasetId, algorithmHash],
    });

  it('lets the owner approve and withdraw approval of an algorithm on one dataset, with an event each time', async () => {
    expect(await isApproved(computeOnlyDataset, ALGORITHM)).toBe(false);
    const approved = await send(setApproval(OWNER, computeOnlyDataset, ALGORITHM, true));
    expect(onlyEvent(computeMarketAbi, approved.logs, 'AlgorithmApprovalSet')).toEqual({
      datasetId: computeOnlyDataset,
      algorithmHash: ALGORITHM,
      approved: true,
    });
    expect(await isApproved(computeOnlyDataset, ALGORITHM)).toBe(true);
    // Per dataset and per algorithm.
    expect(await isApproved(computeOnlyDataset, OTHER_ALGORITHM)).toBe(false);
    expect(await isApproved(downloadDataset, ALGORITHM)).toBe(false);

    // Setting the value it already has succeeds and emits again: retries are safe.
    const again = await send(setApproval(OWNER, computeOnlyDataset, ALGORITHM, true));
    expect(onlyEvent(computeMarketAbi, again.logs, 'AlgorithmApprovalSet').approved).toBe(true);
    expect(await isApproved(computeOnlyDataset, ALGORITHM)).toBe(true);

    const revoked = await send(setApproval(OWNER, computeOnlyDataset, ALGORITHM, false));
    expect(onlyEvent(computeMarketAbi, revoked.logs, 'AlgorithmApprovalSet')).toEqual({
      datasetId: computeOnlyDataset,
      algorithmHash: ALGORITHM,
      approved: false,
    });
    expect(await isApproved(computeOnlyDataset, ALGORITHM)).toBe(false);
  });

  it('indexes the event by dataset and algorithm', async () => {
    await send(setApproval(OWNER, computeOnlyDataset, ALGORITHM, true));
    await send(setApproval(OWNER, computeOnlyDataset, OTHER_ALGORITHM, true));
    await send(setApproval(OWNER, downloadDataset, ALGORITHM, true));
    const logs = await market.publicClient.getContractEvents({
      ...contracts.computeMarket,
      eventName: 'AlgorithmApprovalSet',
      args: { datasetId: computeOnlyDataset, algorithmHash: ALGORITHM },
      fromBlock: 0n,
      strict: true,
    });
    expect(logs.map((log) => log.args)).toEqual([{ datasetId: computeOnlyDataset, algorithmHash: ALGORITHM, approved: true }]);
  });

  it('refuses anyone but the dataset owner, and unknown datasets, with NotDatasetOwner', async () => {
    await send(setApproval(OWNER, computeOnlyDataset, ALGORITHM, true));
    for (const account of [STRANGER, BUYER, PROVIDER, ADMIN]) {
      await expectRevert(setApproval(account, computeOnlyDataset, ALGORITHM, false), 'NotDatasetOwner', [computeOnlyDataset, address(account)]);
      await expectRevert(setApproval(account, computeOnlyDataset, OTHER_ALGORITHM, true), 'NotDatasetOwner', [computeOnlyDataset, address(account)]);
    }
    await expectRevert(
      nodeWallet(node).writeContract({
        ...contracts.computeMarket,
        functionName: 'setAlgorithmApproval',
        args: [computeOnlyDataset, OTHER_ALGORITHM, true],
      }),
      'NotDatasetOwner',
      [computeOnlyDataset, node.address],
    );
    await expectRevert(setApproval(OWNER, 999n, ALGORITHM, true), 'NotDatasetOwner', [999n, address(OWNER)]);
    // Nothing changed.
    expect(await isApproved(computeOnlyDataset, ALGORITHM)).toBe(true);
    expect(await isApproved(computeOnlyDataset, OTHER_ALGORITHM)).toBe(false);
    expect(await isApproved(999n, ALGORITHM)).toBe(false);
  });

  it('follows the data NFT: after a transfer only the new owner changes approvals, and earlier ones stay', async () => {
    await send(setApproval(OWNER, computeOnlyDataset, ALGORITHM, true));
    await send(
      market.wallet(OWNER).writeContract({
        ...contracts.registry,
        functionName: 'transferFrom',
        args: [address(OWNER), address(NEW_OWNER), computeOnlyDataset],
      }),
    );
    expect(await isApproved(computeOnlyDataset, ALGORITHM)).toBe(true);
    await expectRevert(setApproval(OWNER, computeOnlyDataset, ALGORITHM, false), 'NotDatasetOwner', [computeOnlyDataset, address(OWNER)]);
    await expectRevert(setApproval(OWNER, computeOnlyDataset, OTHER_ALGORITHM, true), 'NotDatasetOwner', [computeOnlyDataset, address(OWNER)]);

    await send(setApproval(NEW_OWNER, computeOnlyDataset, OTHER_ALGORITHM, true));
    await send(setApproval(NEW_OWNER, computeOnlyDataset, ALGORITHM, false));
    expect(await isApproved(computeOnlyDataset, OTHER_ALGORITHM)).toBe(true);
    expect(await isApproved(computeOnlyDataset, ALGORITHM)).toBe(false);
  });

  it('does not restrict requests on chain: the node enforces a dataset\'s policy', async () => {
    expect(await isApproved(computeOnlyDataset, ALGORITHM)).toBe(false);
    const { job } = await request({ datasetId: computeOnlyDataset });
    expect(job.algorithmHash).toBe(ALGORITHM);
  });
});

describe('refund', () => {
  it('refuses before the deadline, then refunds a requested job to its buyer, whoever asks', async () => {
    const budget = { epsilonTotal: 1_000_000n, epsilonPerBuyer: 0n, bytesPerJob: 0n, bytesPerBuyer: 0n };
    await send(market.wallet(OWNER).writeContract({ ...contracts.computeMarket, functionName: 'setReleaseBudget', args: [downloadDataset, budget] }));
    const { jobId, job, escrow } = await request({ maxMinutes: 20, epsilon: 700_000n });
    const held = () => market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'releaseSpent', args: [downloadDataset, address(BUYER)] }).then(([total]) => total);
    expect(await held()).toBe(700_000n);
    await expectRevert(refund(jobId, job), 'DeadlineNotReached', [jobId, job.deadline]);
    await expectRevert(refund(jobId, job, STRANGER), 'DeadlineNotReached', [jobId, job.deadline]);
    await travelPast(job.deadline);

    // A stranger closes it: the escrow is the buyer's, and the buyer's hold on the dataset's ε ends.
    const receipt = await send(refund(jobId, job, STRANGER));
    expect(await read.withdrawable(address(STRANGER))).toBe(0n);
    expect(await held()).toBe(0n);
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'JobRefunded')).toEqual({ jobId, amount: escrow });
    expect(await read.status(jobId)).toBe(JobStatus.Refunded);
    expect(await read.withdrawable(address(BUYER))).toBe(escrow);
    await expectRevert(refund(jobId, job), 'InvalidJobStatus', [jobId, JobStatus.Refunded]);
    await expectRevert(submit(jobId, job, 1), 'InvalidJobStatus', [jobId, JobStatus.Refunded]);
  });

  it('refuses a refund in the block at the deadline', async () => {
    const { jobId, job } = await request({ maxMinutes: 2 });
    await market.testClient.setNextBlockTimestamp({ timestamp: job.deadline });
    // An explicit gas limit skips the estimate, so the call is mined in the block at the deadline.
    const hash = await market.wallet(BUYER).writeContract({
      ...contracts.computeMarket,
      functionName: 'refund',
      args: [jobId, job],
      gas: 200_000n,
    });
    const receipt = await market.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('reverted');
    expect(await blockTime(receipt)).toBe(job.deadline);
    await expectRevert(
      market.publicClient.simulateContract({
        account: address(BUYER),
        ...contracts.computeMarket,
        functionName: 'refund',
        args: [jobId, job],
        blockNumber: receipt.blockNumber,
      }),
      'DeadlineNotReached',
      [jobId, job.deadline],
    );
    expect(await read.status(jobId)).toBe(JobStatus.Requested);
  });

  it('refunds an accepted job the provider never settled', async () => {
    const { jobId, job, escrow } = await request({ environment: 1, maxMinutes: 90 });
    await send(accept(jobId, job));
    await market.testClient.increaseTime({ seconds: 90 * 60 });
    await market.testClient.mine({ blocks: 1 });
    await expectRevert(refund(jobId, job), 'DeadlineNotReached', [jobId, job.deadline]);
    await travelPast(job.deadline);
    await send(refund(jobId, job));
    expect(await read.status(jobId)).toBe(JobStatus.Refunded);
    expect(await read.withdrawable(address(BUYER))).toBe(escrow);
  });

  it('refunds a tampered job to nobody', async () => {
    const { jobId, job } = await request({ maxMinutes: 1 });
    await travelPast(job.deadline);
    await expectRevert(refund(jobId, { ...job, buyer: address(STRANGER) }, STRANGER), 'JobMismatch', [jobId]);
    await expectRevert(refund(jobId, { ...job, dataFee: job.dataFee * 2n }), 'JobMismatch', [jobId]);
  });
});

describe('decryption access of the node key', () => {
  async function access(datasetId: bigint, account: Address): Promise<[boolean, boolean]> {
    return Promise.all([read.hasActiveJob(datasetId, account), read.canDecrypt(datasetId, account)]);
  }

  /** Requests a job on the compute-only dataset and has the provider accept it. */
  async function accepted(options: RequestOptions = {}): Promise<Requested> {
    const requested = await request({ datasetId: computeOnlyDataset, ...options });
    await send(accept(requested.jobId, requested.job));
    return requested;
  }

  it('is granted by accepting a job, not by requesting one: a requested job leaves canDecrypt and hasActiveJob false', async () => {
    expect(await access(computeOnlyDataset, node.address)).toEqual([false, false]);
    const { jobId, job } = await request({ datasetId: computeOnlyDataset, maxMinutes: 10 });
    expect(await access(computeOnlyDataset, node.address)).toEqual([false, false]);
    await send(accept(jobId, job));
    expect(await access(computeOnlyDataset, node.address)).toEqual([true, true]);

    expect(await access(downloadDataset, node.address)).toEqual([false, false]);
    expect(await access(computeOnlyDataset, address(PROVIDER))).toEqual([false, false]);
    expect(await access(computeOnlyDataset, address(BUYER))).toEqual([false, false]);
    expect(await access(computeOnlyDataset, address(STRANGER))).toEqual([false, false]);
    expect(await access(computeOnlyDataset, zeroAddress)).toEqual([false, false]);
    // The owner decrypts through the marketplace, not through a job.
    expect(await access(computeOnlyDataset, address(OWNER))).toEqual([false, true]);
    expect(await read.canDecrypt(999n, node.address)).toBe(false);

    await send(submit(jobId, job, 3));
    expect(await access(computeOnlyDataset, node.address)).toEqual([false, false]);
  });

  it('ends at once when the owner withdraws the provider, though the job is still accepted, and returns if allowed again', async () => {
    const { jobId, job } = await accepted();
    const withdrawn = await allow(computeOnlyDataset, providerId, false);
    expect(onlyEvent(computeMarketAbi, withdrawn.logs, 'ProviderAllowanceSet')).toEqual({ datasetId: computeOnlyDataset, providerId, allowed: false });
    expect(await access(computeOnlyDataset, node.address)).toEqual([false, false]);
    expect(await read.status(jobId)).toBe(JobStatus.Accepted);

    await allow(computeOnlyDataset);
    expect(await access(computeOnlyDataset, node.address)).toEqual([true, true]);
    await send(submit(jobId, job, 1));
    expect(await access(computeOnlyDataset, node.address)).toEqual([false, false]);
  });

  it('a requested job closed by cancel, settlement or refund never granted access, and leaves an accepted one’s alone', async () => {
    const running = await accepted({ maxMinutes: 600 });
    const cancelled = await request({ datasetId: computeOnlyDataset });
    await send(cancel(cancelled.jobId, cancelled.job));
    const settled = await request({ datasetId: computeOnlyDataset });
    await send(submit(settled.jobId, settled.job, 1));
    const refunded = await request({ datasetId: computeOnlyDataset, maxMinutes: 1 });
    await travelPast(refunded.job.deadline);
    await send(refund(refunded.jobId, refunded.job));
    // Closing them took nothing from the accepted job's access.
    expect(await access(computeOnlyDataset, node.address)).toEqual([true, true]);
    await send(submit(running.jobId, running.job, 1));
    expect(await access(computeOnlyDataset, node.address)).toEqual([false, false]);
  });

  it('ends on refund of an accepted job', async () => {
    const refunded = await accepted({ maxMinutes: 1 });
    await travelPast(refunded.job.deadline);
    await send(refund(refunded.jobId, refunded.job));
    expect(await access(computeOnlyDataset, node.address)).toEqual([false, false]);
  });

  it('ends when the deadline passes even though the job is still open', async () => {
    const { jobId, job } = await accepted({ maxMinutes: 1 });
    await market.testClient.setNextBlockTimestamp({ timestamp: job.deadline });
    await market.testClient.mine({ blocks: 1 });
    expect(await access(computeOnlyDataset, node.address)).toEqual([true, true]);
    await market.testClient.setNextBlockTimestamp({ timestamp: job.deadline + 1n });
    await market.testClient.mine({ blocks: 1 });
    expect(await access(computeOnlyDataset, node.address)).toEqual([false, false]);
    expect(await read.status(jobId)).toBe(JobStatus.Accepted);
  });

  it('ends at the open job’s deadline, not at that of a longer job closed earlier', async () => {
    const long = await accepted({ maxMinutes: 600 });
    await send(submit(long.jobId, long.job, 1));
    const short = await accepted({ maxMinutes: 1 });
    expect(await access(computeOnlyDataset, node.address)).toEqual([true, true]);
    await travelPast(short.job.deadline);
    expect(await blockTime()).toBeLessThan(long.job.deadline);
    expect(await access(computeOnlyDataset, node.address)).toEqual([false, false]);
  });

  it('holds while any of several accepted jobs is open', async () => {
    const first = await accepted();
    const second = await accepted({ buyer: STRANGER });
    await send(submit(first.jobId, first.job, 1));
    expect(await access(computeOnlyDataset, node.address)).toEqual([true, true]);
    await send(submit(second.jobId, second.job, 1));
    expect(await access(computeOnlyDataset, node.address)).toEqual([false, false]);
  });

  it('moves from the old node key to the new one on rotation', async () => {
    await accepted();
    const next = await newNode();
    await send(updateTx(PROVIDER, providerId, next, [cpuEnvironment(1n)]));
    expect(await access(computeOnlyDataset, node.address)).toEqual([false, false]);
    expect(await access(computeOnlyDataset, next.address)).toEqual([true, true]);
  });

  it('stays false for a rogue provider: anyone may register one with its own key, but a job naming it reverts ProviderNotAllowed', async () => {
    const rogueNode = await newNode();
    const rogue = await registerProvider(market, STRANGER, rogueNode, [cpuEnvironment(0n)]);
    await expectRevert(requestJob({ datasetId: computeOnlyDataset, provider: rogue, buyer: STRANGER }), 'ProviderNotAllowed', [computeOnlyDataset, rogue]);
    await expectRevert(allowProviders(market, STRANGER, computeOnlyDataset, [rogue]), 'NotDatasetOwner', [computeOnlyDataset, address(STRANGER)]);
    // Even while the allowed provider runs an accepted job on the dataset.
    await accepted();
    expect(await access(computeOnlyDataset, rogueNode.address)).toEqual([false, false]);
    expect(await read.isProviderAllowed(computeOnlyDataset, rogue)).toBe(false);
  });
});

describe('withdraw', () => {
  it('moves exactly the credited amounts to every party after a settlement', async () => {
    const requested = await request({ datasetId: computeOnlyDataset, environment: 1, maxMinutes: 25 });
    await send(accept(requested.jobId, requested.job));
    await send(submit(requested.jobId, requested.job, 19));
    const split = expectedSplit(requested.job, 19);
    const credited = [split.ownerAmount, split.providerAmount, split.marketFee, split.buyerRefund];
    const accounts = [OWNER, PROVIDER, ADMIN, BUYER];
    expect(credited.every((amount) => amount > 0n)).toBe(true);

    const marketBefore = await read.balance(computeMarket);
    for (const [i, account] of accounts.entries()) {
      const before = await read.balance(address(account));
      const receipt = await send(
        market.wallet(account).writeContract({ ...contracts.computeMarket, functionName: 'withdraw', args: [token] }),
      );
      expect(onlyEvent(computeMarketAbi, receipt.logs, 'Withdrawn')).toEqual({ token, account: address(account), amount: credited[i] });
      expect(await read.balance(address(account))).toBe(before + (credited[i] ?? 0n));
      expect(await read.withdrawable(address(account))).toBe(0n);
      await expectRevert(
        market.wallet(account).writeContract({ ...contracts.computeMarket, functionName: 'withdraw', args: [token] }),
        'NothingToWithdraw',
        [token, address(account)],
      );
    }
    expect(await read.balance(computeMarket)).toBe(marketBefore - requested.escrow);
    expect(await read.balance(computeMarket)).toBe(0n);
    expect(credited.reduce((sum, amount) => sum + amount, 0n)).toBe(escrowOf(requested.job));
  });
});

describe('release budgets', () => {
  const budget = (fields: Partial<{ epsilonTotal: bigint; epsilonPerBuyer: bigint; bytesPerJob: bigint; bytesPerBuyer: bigint }>) => ({ epsilonTotal: 0n, epsilonPerBuyer: 0n, bytesPerJob: 0n, bytesPerBuyer: 0n, ...fields });
  const setBudget = (fields: Parameters<typeof budget>[0], by = OWNER, datasetId = computeOnlyDataset) =>
    market.wallet(by).writeContract({ ...contracts.computeMarket, functionName: 'setReleaseBudget', args: [datasetId, budget(fields)] });
  const spent = async (buyer = BUYER, datasetId = computeOnlyDataset) => {
    const [epsilonTotal, mine] = await market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'releaseSpent', args: [datasetId, address(buyer)] });
    return { epsilonTotal, epsilon: mine.epsilon, released: mine.released };
  };
  const onData = (options: RequestOptions = {}) => request({ datasetId: computeOnlyDataset, ...options });

  it('lets only the dataset owner set a budget, and says so in an event', async () => {
    await expectRevert(setBudget({ bytesPerJob: 1n }, STRANGER), 'NotDatasetOwner', [computeOnlyDataset, address(STRANGER)]);
    const receipt = await send(setBudget({ epsilonTotal: 3_000_000n, bytesPerJob: 65_536n }));
    expect(onlyEvent(computeMarketAbi, receipt.logs, 'ReleaseBudgetSet')).toEqual({ datasetId: computeOnlyDataset, budget: budget({ epsilonTotal: 3_000_000n, bytesPerJob: 65_536n }) });
    expect(await market.publicClient.readContract({ ...contracts.computeMarket, functionName: 'releaseBudget', args: [computeOnlyDataset] })).toEqual(budget({ epsilonTotal: 3_000_000n, bytesPerJob: 65_536n }));
  });

  it('counts nothing while no budget is set, so such datasets pay no storage for it', async () => {
    const before = await onData({ epsilon: 500_000n, releaseBytes: 10_000n });
    expect(await spent()).toEqual({ epsilonTotal: 0n, epsilon: 0n, released: 0n });
    // A budget set later binds later jobs; settling the earlier one gives nothing back it never took.
    await send(setBudget({ bytesPerBuyer: 20_000n }));
    const after = await onData({ releaseBytes: 10_000n });
    await send(submit(before.jobId, before.job, 1, { releasedBytes: 10_000n }));
    await send(cancel(after.jobId, after.job));
    expect(await spent()).toEqual({ epsilonTotal: 0n, epsilon: 0n, released: 0n });
  });

  it('counts what each job reserves, keeps what a delivered job released and gives back the rest', async () => {
    await send(setBudget({ epsilonTotal: 10_000_000n }));
    const first = await onData({ epsilon: 500_000n, releaseBytes: 10_000n });
    expect(await spent()).toEqual({ epsilonTotal: 500_000n, epsilon: 500_000n, released: 10_000n });
    await send(submit(first.jobId, first.job, 1, { releasedBytes: 2_345n }));
    expect(await spent()).toEqual({ epsilonTotal: 500_000n, epsilon: 500_000n, released: 2_345n });

    const undelivered = await onData({ epsilon: 250_000n, releaseBytes: 10_000n });
    await send(submit(undelivered.jobId, undelivered.job, 1, { delivered: false }));
    const cancelled = await onData({ epsilon: 250_000n, releaseBytes: 10_000n });
    await send(cancel(cancelled.jobId, cancelled.job));
    const refunded = await onData({ epsilon: 250_000n, releaseBytes: 10_000n });
    await travelPast(refunded.job.deadline);
    await send(refund(refunded.jobId, refunded.job));
    expect(await spent()).toEqual({ epsilonTotal: 500_000n, epsilon: 500_000n, released: 2_345n });
  });

  it('refuses a request over the ε left, per buyer and for the dataset as a whole', async () => {
    await send(setBudget({ epsilonTotal: 1_500_000n, epsilonPerBuyer: 1_000_000n }));
    await onData({ epsilon: 800_000n });
    await expectRevert(requestJob({ datasetId: computeOnlyDataset, epsilon: 300_000n }), 'EpsilonOverBudget', [computeOnlyDataset, address(BUYER), 300_000n, 200_000n]);
    await onData({ epsilon: 600_000n, buyer: STRANGER });
    // The dataset's total leaves 100,000 whoever asks.
    await expectRevert(requestJob({ datasetId: computeOnlyDataset, epsilon: 200_000n }), 'EpsilonOverBudget', [computeOnlyDataset, address(BUYER), 200_000n, 100_000n]);
    await onData({ epsilon: 100_000n });
  });

  it('holds a buyer byte budget across two providers running jobs at the same time', async () => {
    const other = await newProvider(OTHER_PROVIDER, await newNode(), [cpuEnvironment(CPU_PRICE)], [computeOnlyDataset]);
    await send(setBudget({ bytesPerJob: 64_000n, bytesPerBuyer: 100_000n }));
    await expectRevert(requestJob({ datasetId: computeOnlyDataset, releaseBytes: 64_001n }), 'BytesOverBudget', [computeOnlyDataset, address(BUYER), 64_001n, 64_000n]);
    const first = await onData({ releaseBytes: 64_000n });
    // The first job's reservation stands while it runs: the second provider's job may reserve only what is left.
    await expectRevert(requestJob({ datasetId: computeOnlyDataset, provider: other, releaseBytes: 64_000n }), 'BytesOverBudget', [computeOnlyDataset, address(BUYER), 64_000n, 36_000n]);
    const second = await onData({ provider: other, releaseBytes: 36_000n });
    await send(submit(first.jobId, first.job, 1, { releasedBytes: 64_000n }));
    expect(await spent()).toEqual({ epsilonTotal: 0n, epsilon: 0n, released: 100_000n });
    await expectRevert(requestJob({ datasetId: computeOnlyDataset, releaseBytes: 1n }), 'BytesOverBudget', [computeOnlyDataset, address(BUYER), 1n, 0n]);
    expect(second.job.providerId).toBe(other);
    // Another buyer's budget is its own.
    await onData({ buyer: STRANGER, releaseBytes: 64_000n });
  });

  it('refuses a settlement that reports more bytes released than its job reserved, or any undelivered', async () => {
    const { jobId, job } = await onData({ releaseBytes: 1_000n });
    await expectRevert(submit(jobId, job, 1, { releasedBytes: 1_001n }), 'ReleasedAboveReserved', [1_001n, 1_000n]);
    await expectRevert(submit(jobId, job, 1, { delivered: false, releasedBytes: 1n }), 'ReleasedAboveReserved', [1n, 0n]);
    await send(submit(jobId, job, 1, { releasedBytes: 1_000n }));
  });

  it('caps what one job may reserve, so no buyer can wrap a dataset’s counters', async () => {
    await expectRevert(requestJob({ datasetId: computeOnlyDataset, epsilon: 100_000_001n }), 'ReservationTooLarge', [100_000_001n, RELEASE_BYTES]);
    await expectRevert(requestJob({ datasetId: computeOnlyDataset, releaseBytes: (1n << 40n) + 1n }), 'ReservationTooLarge', [0n, (1n << 40n) + 1n]);
  });
});
