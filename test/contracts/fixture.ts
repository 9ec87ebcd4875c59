/**
 * One market per test file, reset between tests with anvil snapshots, and typed handles on its contracts
 * for any dev account. The steps every suite takes the way clients take them — reserving a dataset id and
 * publishing under it (a derivative with the claims on its parents), registering a provider with its node key's
 * signature, allowing providers on a dataset — and sending several transactions into one block are exported for
 * suites that run their own market too.
 */
import {
  ContractFunctionRevertedError,
  getContract,
  zeroHash,
  parseSignature,
  publicActions,
  type Address,
  type Hash,
  type Hex,
  type LocalAccount,
  type TransactionReceipt,
} from 'viem';
import { devAccount } from '@/lib/chain';
import { signProviderNode, type Environment } from '@/lib/compute/settlement';
import { computeMarketAbi, contractsOf, datasetRegistryAbi, type LicenceTerms, type MetadataPointer } from '@/lib/contracts';
import { EMPTY_JOB, type Derivation } from '@/lib/lineage/derivation';
import { cpuEnvironment, mined, onlyEvent } from '../helpers/compute';
import { startTestMarket, type TestMarket } from '../helpers/market';
import { metadataPointer, termsFor } from '../helpers/terms';

export type Fixture = ReturnType<typeof fixtureFor>;

/** EIP-2612's Permit struct. */
const PERMIT_TYPES = {
  Permit: [
    { name: 'owner', type: 'address' },
    { name: 'spender', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const;

/** `create(key)` computed once per key. */
function memoised<K, V>(create: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    if (!cache.has(key)) cache.set(key, create(key));
    return cache.get(key)!;
  };
}

/** A dataset published by {@link publishDataset}. */
export interface Published {
  datasetId: bigint;
  termsId: bigint;
  /** The publish transaction's receipt. */
  receipt: TransactionReceipt;
}

/** Reserves the next dataset id for dev account `account` and returns it (read from DatasetIdReserved). */
export async function reserveDatasetId(market: TestMarket, account: number): Promise<bigint> {
  const hash = market.wallet(account).writeContract({ ...contractsOf(market.deployments).registry, functionName: 'reserveDatasetId' });
  return onlyEvent(datasetRegistryAbi, (await mined(market.publicClient, hash)).logs, 'DatasetIdReserved').datasetId;
}

/**
 * Publishes `metadata` as dev account `account` the way clients do: reserves an id, then publishes under it, with
 * registered terms when `terms` is a terms id, else registering `terms` in the same transaction (publishWithTerms).
 */
export async function publishDataset(market: TestMarket, account: number, metadata: MetadataPointer, terms: LicenceTerms | bigint): Promise<Published> {
  const datasetId = await reserveDatasetId(market, account);
  const { registry } = contractsOf(market.deployments);
  const wallet = market.wallet(account);
  const hash =
    typeof terms === 'bigint'
      ? wallet.writeContract({ ...registry, functionName: 'publish', args: [metadata, terms, datasetId] })
      : wallet.writeContract({ ...registry, functionName: 'publishWithTerms', args: [metadata, terms, datasetId] });
  const receipt = await mined(market.publicClient, hash);
  const published = onlyEvent(datasetRegistryAbi, receipt.logs, 'DatasetPublished');
  return { datasetId: published.datasetId, termsId: published.termsId, receipt };
}

/** One parent of a derivative and what entitles its publisher to it (Lineage.ParentClaim). */
export type ParentClaim = Derivation['parents'][number];

/** Lineage.AssetKind. */
export const AssetKind = { Dataset: 0, Model: 1 } as const;

/** A claim on `parentId` under its terms `termsId`, entitled by owning the parent or holding a licence to it. */
export function heldClaim(parentId: bigint, termsId: bigint): ParentClaim {
  return { parentId, termsId, jobId: 0n, job: EMPTY_JOB, receiptHash: zeroHash, outputsProof: [] };
}

/** The publishAsset call of dev account `account` under `termsId` for `assetId`, its id reserved before. */
export function publishAssetTx(market: TestMarket, account: number, assetId: bigint, metadata: MetadataPointer, termsId: bigint, derivation: Derivation, gas?: bigint): Promise<Hash> {
  return market.wallet(account).writeContract({
    ...contractsOf(market.deployments).registry,
    functionName: 'publishAsset',
    args: [metadata, termsId, assetId, derivation],
    gas,
  });
}

/** Reserves an id as dev account `account` and publishes `derivation` under it with registered terms `termsId`. */
export async function publishAsset(market: TestMarket, account: number, metadata: MetadataPointer, termsId: bigint, derivation: Derivation): Promise<Published> {
  const assetId = await reserveDatasetId(market, account);
  const receipt = await mined(market.publicClient, publishAssetTx(market, account, assetId, metadata, termsId, derivation));
  return { datasetId: assetId, termsId, receipt };
}

/** `node`'s signature letting `owner` register (or update) a provider with it at `endpoint`. */
export function nodeSignature(market: TestMarket, node: LocalAccount, owner: Address, endpoint: string): Promise<Hex> {
  const { chainId, contracts } = market.deployments;
  return signProviderNode(node, { chainId, computeMarket: contracts.computeMarket }, owner, endpoint);
}

/** Registers a provider owned by dev account `owner` whose node key `node` signed the registration; returns its id. */
export async function registerProvider(
  market: TestMarket,
  owner: number,
  node: LocalAccount,
  environments: readonly Environment[],
  endpoint = 'https://node.example',
): Promise<bigint> {
  const hash = market.wallet(owner).writeContract({
    ...contractsOf(market.deployments).computeMarket,
    functionName: 'registerProvider',
    args: [endpoint, node.address, environments, await nodeSignature(market, node, market.wallet(owner).account.address, endpoint)],
  });
  return onlyEvent(computeMarketAbi, (await mined(market.publicClient, hash)).logs, 'ProviderRegistered').providerId;
}

/** Dev account `owner`, owner of `datasetId`, allows `providerIds` on it (or withdraws them, with `allowed` false). */
export function allowProviders(market: TestMarket, owner: number, datasetId: bigint, providerIds: readonly bigint[], allowed = true): Promise<TransactionReceipt> {
  const hash = market.wallet(owner).writeContract({
    ...contractsOf(market.deployments).computeMarket,
    functionName: 'setProvidersAllowed',
    args: [datasetId, providerIds, allowed],
  });
  return mined(market.publicClient, hash);
}

/**
 * Gas limit for transactions sent into {@link inOneBlock}: an estimate would run against a state that the
 * transactions ahead of them in the block then change, and would refuse the ones meant to revert.
 */
export const IN_BLOCK_GAS = 1_000_000n;

/**
 * Sends the transactions `sends` start, one after the other, with automine off, then mines them all in one
 * block, as a front-runner's transaction lands ahead of its victim's. Returns their receipts, in the order sent,
 * after checking that the block holds them in that order.
 */
export async function inOneBlock(market: TestMarket, sends: readonly (() => Promise<Hash>)[]): Promise<TransactionReceipt[]> {
  const hashes: Hash[] = [];
  await market.testClient.setAutomine(false);
  try {
    for (const send of sends) hashes.push(await send());
    await market.testClient.mine({ blocks: 1 });
  } finally {
    await market.testClient.setAutomine(true);
  }
  const receipts = await Promise.all(hashes.map((hash) => market.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 25 })));
  expect(receipts.map((receipt) => [receipt.blockNumber, receipt.transactionIndex])).toEqual(receipts.map((_, i) => [receipts[0]!.blockNumber, i]));
  return receipts;
}

/**
 * Rejects with the custom error the mined transaction of `receipt` reverted with, read from its trace, so that
 * `expectRevert` checks it like a call's revert.
 */
export async function minedRevert(market: TestMarket, receipt: TransactionReceipt): Promise<never> {
  expect(receipt.status).toBe('reverted');
  const trace = (await market.publicClient.request({
    method: 'debug_traceTransaction',
    params: [receipt.transactionHash, { tracer: 'callTracer' }],
  } as never)) as { output?: Hex };
  throw new ContractFunctionRevertedError({ abi: [], data: trace.output, functionName: `transaction ${receipt.transactionHash}` });
}

function fixtureFor(market: TestMarket) {
  const { publicClient, deployments } = market;
  const contracts = contractsOf(deployments);
  // Deriving a dev account from the mnemonic takes ~20 ms, so wallets and contract handles are made once.
  // One client both signs and reads, so simulations run as the account too (msg.sender matters).
  const client = memoised((account: number) => market.wallet(account).extend(publicActions));
  const registry = memoised((account: number) =>
    getContract({ ...contracts.registry, client: client(account) }),
  );
  const marketplace = memoised((account: number) =>
    getContract({ ...contracts.marketplace, client: client(account) }),
  );
  const stablecoin = memoised((account: number) =>
    getContract({ ...contracts.stablecoin, client: client(account) }),
  );
  return {
    market,
    publicClient,
    testClient: market.testClient,
    deployments,
    /** Address of dev account `index`. */
    address: (index: number): Address => client(index).account.address,
    /** The registry as seen by dev account `account`. */
    registry: (account = 0) => registry(account),
    /** The marketplace as seen by dev account `account`. */
    marketplace: (account = 0) => marketplace(account),
    /** The mock stablecoin as seen by dev account `account`. */
    stablecoin: (account = 0) => stablecoin(account),
    /** The id the registry's next reservation gets. */
    nextDatasetId: (): Promise<bigint> => registry(0).read.nextDatasetId(),
    /** Reserves the next dataset id for dev account `account`. */
    reserve: (account: number) => reserveDatasetId(market, account),
    /** Reserves an id as dev account `account` and publishes `metadata` under it with `terms` (an id, or new terms). */
    publish: (account: number, metadata: MetadataPointer, terms: LicenceTerms | bigint) => publishDataset(market, account, metadata, terms),
    /** Registers `terms` (or finds identical ones) and returns their id. */
    async registerTerms(terms: LicenceTerms): Promise<bigint> {
      await mined(publicClient, registry(0).write.registerTerms([terms]));
      return registry(0).read.termsIdOf([terms]);
    },
    /** Mines the transactions `sends` start in one block, in order; see {@link inOneBlock}. */
    inOneBlock: (sends: readonly (() => Promise<Hash>)[]) => inOneBlock(market, sends),
    /** Rejects with the custom error the transaction of `receipt` reverted with; see {@link minedRevert}. */
    minedRevert: (receipt: TransactionReceipt) => minedRevert(market, receipt),
    /** Waits for the transaction `hash` resolves to and asserts it succeeded. */
    async mined(hash: Promise<Hash> | Hash): Promise<TransactionReceipt> {
      // anvil mines at once, but under load the receipt can lag the hash; viem's default 4 s poll would stall.
      const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash, pollingInterval: 25 });
      expect(receipt.status).toBe('success');
      return receipt;
    },
    /** Timestamp of the block `receipt` was mined in. */
    async minedAt(receipt: TransactionReceipt): Promise<bigint> {
      return (await publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
    },
    /** Moves the chain's clock forward by `seconds` and mines a block at the new time. */
    async travel(seconds: bigint): Promise<void> {
      await market.testClient.increaseTime({ seconds: Number(seconds) });
      await market.testClient.mine({ blocks: 1 });
    },
    /** Timestamp of the latest block. */
    async now(): Promise<bigint> {
      return (await publicClient.getBlock()).timestamp;
    },
    /**
     * Signs an EIP-2612 permit of the mock stablecoin by which dev account `owner` lets `spender` take `value`
     * until `deadline`; `nonce` defaults to the owner's current one. `signer` (default: the owner) signs it,
     * so a forged permit is one signed by another account.
     */
    async signPermit(permit: { owner: number; spender: Address; value: bigint; deadline: bigint; nonce?: bigint; signer?: number }) {
      const signer = client(permit.signer ?? permit.owner);
      const owner = client(permit.owner).account;
      const token = deployments.stablecoin.address;
      const nonce =
        permit.nonce ?? (await publicClient.readContract({ ...contracts.stablecoin, functionName: 'nonces', args: [owner.address] }));
      const signature = await signer.signTypedData({
        domain: { name: 'Datagora Test Dollar', version: '1', chainId: publicClient.chain.id, verifyingContract: token },
        types: PERMIT_TYPES,
        primaryType: 'Permit',
        message: { owner: owner.address, spender: permit.spender, value: permit.value, nonce, deadline: permit.deadline },
      });
      const { r, s, v, yParity } = parseSignature(signature);
      return { v: Number(v ?? 27n + BigInt(yParity)), r, s, nonce };
    },
    /** Makes the next mined block carry `timestamp` exactly. */
    async nextBlockAt(timestamp: bigint): Promise<void> {
      await market.testClient.setNextBlockTimestamp({ timestamp });
    },
  };
}

/**
 * Starts one market for the calling file (`beforeAll`) and reverts the chain to a snapshot after every test,
 * so each test starts from the freshly deployed and funded market. Returns a getter for the fixture.
 */
export function useMarketFixture(options: { feeBps?: number } = {}): () => Fixture {
  let fixture: Fixture | undefined;
  let snapshot: Hash | undefined;
  beforeAll(async () => {
    fixture = fixtureFor(await startTestMarket(options));
  });
  afterAll(async () => {
    await fixture?.market.stop();
  });
  beforeEach(async () => {
    snapshot = await fixture!.testClient.snapshot();
  });
  afterEach(async () => {
    if (snapshot) await fixture!.testClient.revert({ id: snapshot });
  });
  return () => {
    if (!fixture) throw new Error('the market fixture is only available inside tests');
    return fixture;
  };
}

/** The accounts and prices of {@link publishLinkedMarket}. */
export const LINKED = {
  ADMIN: 0,
  OWNER_A: 1,
  OWNER_B: 2,
  OWNER_C: 3,
  BUYER: 5,
  PROVIDER: 6,
  NODE: 7,
  OTHER_PROVIDER: 8,
  OTHER_NODE: 9,
  /** Odd data fees, so every market fee rounds and a sum that dropped or doubled one shows. */
  FEE_A: 3_333_337n,
  FEE_B: 1_000_001n,
  FEE_C: 7n,
  PER_MINUTE: 1_000n,
  OTHER_PER_MINUTE: 3_000n,
} as const;

/**
 * A market for jobs over several datasets: compute-only datasets A and B (AI training allowed) and C (not) of three
 * owners, two providers, and the providers each owner allows (`allowed`: 'both' or 'first', per dataset).
 */
export async function publishLinkedMarket(fixture: Fixture, allowed: Record<'A' | 'B' | 'C', 'both' | 'first'>) {
  const token = fixture.deployments.stablecoin.address;
  const terms = (computePrice: bigint, aiTrainingAllowed: boolean) => termsFor({ currency: token, computePrice, computeOnly: true, downloadPrice: 0n, aiTrainingAllowed });
  const A = await fixture.publish(LINKED.OWNER_A, metadataPointer('A'), terms(LINKED.FEE_A, true));
  const B = await fixture.publish(LINKED.OWNER_B, metadataPointer('B'), terms(LINKED.FEE_B, true));
  const C = await fixture.publish(LINKED.OWNER_C, metadataPointer('C'), terms(LINKED.FEE_C, false));
  const providerId = await registerProvider(fixture.market, LINKED.PROVIDER, devAccount(LINKED.NODE), [cpuEnvironment(LINKED.PER_MINUTE)]);
  const otherProviderId = await registerProvider(fixture.market, LINKED.OTHER_PROVIDER, devAccount(LINKED.OTHER_NODE), [cpuEnvironment(LINKED.OTHER_PER_MINUTE)]);
  for (const [name, owner, dataset] of [['A', LINKED.OWNER_A, A], ['B', LINKED.OWNER_B, B], ['C', LINKED.OWNER_C, C]] as const) {
    await allowProviders(fixture.market, owner, dataset.datasetId, allowed[name] === 'both' ? [providerId, otherProviderId] : [providerId]);
  }
  return { A, B, C, providerId, otherProviderId };
}
