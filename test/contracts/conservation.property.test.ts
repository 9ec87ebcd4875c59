/**
 * Fund conservation across the Marketplace and the ComputeMarket under random sequences of actions by
 * several owners, buyers and providers, against a real anvil chain.
 *
 * A plain model predicts the outcome of every action (success, or which custom error it reverts with), and
 * after every action the chain is checked against it:
 *  - Marketplace: its token balance equals the sum of what every account can withdraw;
 *  - ComputeMarket: its token balance equals the escrow of open jobs plus what every account can withdraw;
 *  - every account's withdrawable balance and token balance equal the model's, so a revert changed nothing;
 *  - credits read back from the events (LicencePurchased, JobSettled, JobCancelled, JobRefunded) equal the
 *    model's, and no account ever withdrew more than it was credited.
 *  - a provider's node key may decrypt a dataset only while the dataset's owner allows the provider and a job
 *    the provider accepted there runs.
 * Owners allow and withdraw providers along the way; buyers now and then name stale terms or another
 * environment's specification (TermsMismatch, EnvironmentMismatch) or a provider not allowed (ProviderNotAllowed).
 * Owners and buyers publish derivatives (publishAsset) of random parents, entitled by ownership, a licence or a
 * delivered job whose outputs hold the derivative's file, under terms with random shares; the model predicts each
 * lineage rule the registry checks and the ancestors it stores, and every sale of a derivative and every data fee
 * of a delivered job on one pays its ancestors' owners at that moment (RoyaltyPaid), all of it conserved.
 * Block timestamps advance by exactly one second per block, so deadlines and licence expiries are predicted to the
 * second.
 */
import fc from 'fast-check';
import {
  createPublicClient,
  createWalletClient,
  http,
  keccak256,
  maxUint256,
  maxUint64,
  parseEther,
  parseEventLogs,
  sha256,
  toHex,
  TransactionReceiptNotFoundError,
  zeroAddress,
  zeroHash,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { devAccount } from '@/lib/chain';
import { environmentSpecHash } from '@/lib/compute/buyer/quote';
import { JobStatus, signJobResult, type Environment, type Job } from '@/lib/compute/settlement';
import { computeMarketAbi, contractsOf, datasetRegistryAbi, marketplaceAbi, type LicenceTerms, type MarketContracts } from '@/lib/contracts';
import { outputsProof, outputsRoot, resultHashOf } from '@/lib/lineage/outputs';
import { startTestMarket, type TestMarket } from '../helpers/market';
import { expectRevert } from '../helpers/expect';
import { metadataPointer, termsFor } from '../helpers/terms';
import { cpuEnvironment, escrowOf, expectedSplit, feeOn, gpuEnvironment, onlyEvent } from '../helpers/compute';
import { allowProviders, AssetKind, heldClaim, publishDataset, registerProvider, reserveDatasetId, type ParentClaim } from './fixture';

const RUNS = 10;
const ACTIONS_PER_RUN = 100;

const ADMIN = 0;
const OWNERS = [1, 2, 3] as const;
const BUYERS = [3, 4, 5, 6] as const;
/** Who publishes derivatives: owners of parents and buyers of licences and jobs alike. */
const DERIVERS = [1, 2, 3, 4, 5, 6] as const;
const DAY = 24n * 3600n;
const TREASURIES = [0, 9] as const;
const DEV_ACCOUNTS = 10;
const NODE_KEYS = [keccak256(toHex('node key 1')), keccak256(toHex('node key 2')), keccak256(toHex('node key 3'))] as const;
const NODE_ACCOUNTS = NODE_KEYS.map((key) => privateKeyToAccount(key));
/** Providers registered before the runs: owner index, node index, environments. */
const PROVIDERS: readonly { owner: number; node: number; environments: readonly Environment[] }[] = [
  { owner: 7, node: 0, environments: [cpuEnvironment(1_234_567n), gpuEnvironment(9_876_543n)] },
  { owner: 8, node: 1, environments: [cpuEnvironment(0n), cpuEnvironment(1n)] },
  { owner: 7, node: 2, environments: [gpuEnvironment(333_333n)] },
];
const UNKNOWN_PROVIDER = 99n;
const FEE_ADMIN_ROLE = keccak256(toHex('FEE_ADMIN_ROLE'));
const INITIAL_FEE_BPS = 250;
const INITIAL_WINDOW = 3600n;
const MAX_WINDOW = 7n * 24n * 3600n;
const ALGORITHM = keccak256(toHex('algorithm'));
/** Bytes each job reserves from its dataset's byte budget (no budget is set here, so nothing limits them). */
const RELEASE_BYTES = 4096n;
const WRONG_SIGNER = privateKeyToAccount(keccak256(toHex('not a node key')));

type MarketName = 'marketplace' | 'compute';
type Role = 'node' | 'owner' | 'other';
type Derivatives = 'none' | 'open' | 'reciprocal';

/** The terms an asset is published under, and the providers its owner allows right after. */
interface TermsChoice {
  computeOnly: boolean;
  downloadPrice: bigint;
  computePrice: bigint;
  aiTraining: boolean;
  perpetual: boolean;
  commercial: boolean;
  /** Share of its derivatives' sales (commercial terms only). */
  share: number;
  derivatives: Derivatives;
  /** Bit i set: the owner allows provider i right after publishing. */
  providers: number;
}

type Action =
  | ({ kind: 'publish'; owner: number } & TermsChoice)
  | ({
      kind: 'derive';
      publisher: number;
      model: boolean;
      /** Picks of parents, deduplicated and sent in ascending order. */
      parents: number[];
      targeted: boolean;
      /** Claim parents through a job on them rather than ownership or a licence. */
      viaJob: boolean;
      job: number;
      staleTerms: boolean;
      /** The asset's content is not the file the publisher's jobs output. */
      wrongContent: boolean;
    } & TermsChoice)
  | { kind: 'allow'; dataset: number; provider: number; allowed: boolean; byOwner: boolean; other: number }
  | { kind: 'buy'; buyer: number; dataset: number; targeted: boolean; derived: boolean; underpay: boolean; staleTerms: boolean }
  | {
      kind: 'request';
      buyer: number;
      dataset: number;
      targeted: boolean;
      /** Prefer a derivative, whose sales pay its ancestors. */
      derived: boolean;
      provider: number;
      environment: number;
      aiTraining: boolean;
      maxMinutes: number;
      underpay: boolean;
      /** The buyer names terms other than the dataset's, or the specification of another environment. */
      staleTerms: boolean;
      wrongSpec: boolean;
    }
  | { kind: 'accept'; job: number; anyJob: boolean; by: Role; other: number }
  | { kind: 'cancel'; job: number; anyJob: boolean; byBuyer: boolean; other: number }
  | {
      kind: 'submit';
      job: number;
      anyJob: boolean;
      by: Role;
      other: number;
      minutes: number;
      overrun: boolean;
      rightSigner: boolean;
      delivered: boolean;
    }
  | { kind: 'refund'; job: number; anyJob: boolean; byBuyer: boolean; other: number }
  | { kind: 'travel'; seconds: number }
  | { kind: 'withdraw'; account: number; targeted: boolean; market: MarketName }
  | { kind: 'setFee'; market: MarketName; bps: number; byAdmin: boolean; other: number }
  | { kind: 'setTreasury'; market: MarketName; treasury: number }
  | { kind: 'setWindow'; window: bigint }
  | { kind: 'transferNft'; dataset: number; to: number; byOwner: boolean }
  | { kind: 'toggleListing'; dataset: number };

// ------------------------------------------------------------------------------------------- arbitraries

const price = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0n) },
  { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 999n }) },
  { weight: 3, arbitrary: fc.bigInt({ min: 1n, max: 50_000_000n }) },
);
/** An index into whatever the action picks from, taken modulo its length. */
const pick = fc.noBias(fc.nat({ max: 10_000 }));
const marketName = fc.constantFrom<MarketName>('marketplace', 'compute');
/** True with `probability`; unbiased, since fast-check otherwise favours the ends of a range. */
const mostly = (probability: number) => fc.noBias(fc.integer({ min: 0, max: 999 })).map((x) => x < probability * 1_000);
const role = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Role>('node') },
  { weight: 7, arbitrary: fc.constant<Role>('owner') },
  { weight: 3, arbitrary: fc.constant<Role>('other') },
);
/** Most actions pick a target they can succeed on; the rest pick anything and exercise the reverts. */
const targeted = mostly(0.85);
/** Licence sales and jobs prefer a derivative paying royalties this often, so that most runs pay some. */
const derived = mostly(0.6);

const termsChoice = {
  computeOnly: fc.boolean(),
  downloadPrice: price,
  computePrice: price,
  aiTraining: fc.boolean(),
  perpetual: mostly(0.3),
  commercial: mostly(0.8),
  share: fc.oneof(
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 3_000 }) },
    { weight: 2, arbitrary: fc.integer({ min: 3_001, max: 10_000 }) },
  ),
  derivatives: fc.oneof(
    { weight: 1, arbitrary: fc.constant<Derivatives>('none') },
    { weight: 3, arbitrary: fc.constant<Derivatives>('open') },
    { weight: 1, arbitrary: fc.constant<Derivatives>('reciprocal') },
  ),
  providers: fc.oneof({ weight: 3, arbitrary: fc.constant(0b111) }, { weight: 1, arbitrary: fc.nat({ max: 0b111 }) }),
};

const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('publish' as const), owner: pick, ...termsChoice }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('derive' as const),
      publisher: pick,
      model: mostly(0.7),
      parents: fc.array(pick, { minLength: 0, maxLength: 4 }),
      targeted,
      viaJob: mostly(0.4),
      job: pick,
      staleTerms: mostly(0.05),
      wrongContent: mostly(0.05),
      ...termsChoice,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('allow' as const),
      dataset: pick,
      provider: fc.nat({ max: PROVIDERS.length - 1 }),
      allowed: mostly(0.6),
      byOwner: mostly(0.9),
      other: pick,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('buy' as const), buyer: pick, dataset: pick, targeted, derived, underpay: mostly(0.05), staleTerms: mostly(0.05) }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      buyer: pick,
      dataset: pick,
      targeted,
      derived,
      provider: fc.nat({ max: 19 }), // 19 picks an unknown provider
      environment: fc.nat({ max: 9 }), // 9 picks an index past the provider's environments
      aiTraining: mostly(0.15),
      maxMinutes: fc.oneof(
        { weight: 1, arbitrary: fc.constant(0) },
        { weight: 10, arbitrary: fc.integer({ min: 1, max: 10 }) },
        { weight: 10, arbitrary: fc.integer({ min: 1, max: 600 }) },
      ),
      underpay: mostly(0.05),
      staleTerms: mostly(0.05),
      wrongSpec: mostly(0.05),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('accept' as const), job: pick, anyJob: mostly(0.1), by: role, other: pick }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), job: pick, anyJob: mostly(0.15), byBuyer: mostly(0.85), other: pick }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      job: pick,
      anyJob: mostly(0.1),
      by: role,
      other: pick,
      minutes: fc.nat(),
      overrun: mostly(0.05),
      rightSigner: mostly(0.95),
      // Failed jobs and withheld outputs settle without delivery: the data fee goes back to the buyer.
      delivered: mostly(0.7),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('refund' as const), job: pick, anyJob: mostly(0.15), byBuyer: mostly(0.85), other: pick }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('travel' as const),
      // Deadlines lie an hour (the settlement window) plus up to ten hours ahead: most jumps pass some.
      seconds: fc.oneof(
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 120 }) },
        { weight: 1, arbitrary: fc.integer({ min: 60, max: 3_600 }) },
        { weight: 3, arbitrary: fc.integer({ min: 3_600, max: 40_000 }) },
      ),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), account: pick, targeted, market: marketName }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('setFee' as const),
      market: marketName,
      bps: fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.constantFrom(0, 1_000, 1_001)),
      byAdmin: mostly(0.8),
      other: pick,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setTreasury' as const), market: marketName, treasury: pick }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('setWindow' as const),
      window: fc.oneof(fc.bigInt({ min: 0n, max: 7_200n }), fc.constantFrom(MAX_WINDOW, MAX_WINDOW + 1n)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transferNft' as const), dataset: pick, to: pick, byOwner: mostly(0.85) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('toggleListing' as const), dataset: pick }) },
);

// ----------------------------------------------------------------------------------------------- model

/** Credits and withdrawals per account in one contract's pull-payment ledger. */
class Ledger {
  readonly credited = new Map<Address, bigint>();
  readonly withdrawn = new Map<Address, bigint>();

  credit(account: Address, amount: bigint): void {
    this.credited.set(account, (this.credited.get(account) ?? 0n) + amount);
  }

  withdraw(account: Address, amount: bigint): void {
    this.withdrawn.set(account, (this.withdrawn.get(account) ?? 0n) + amount);
  }

  withdrawable(account: Address): bigint {
    return (this.credited.get(account) ?? 0n) - (this.withdrawn.get(account) ?? 0n);
  }
}

interface DatasetModel {
  id: bigint;
  termsId: bigint;
  terms: LicenceTerms;
  /** The providers its owner allows. */
  allowed: Set<bigint>;
  owner: number;
  computeOnly: boolean;
  aiTrainingAllowed: boolean;
  downloadPrice: bigint;
  computePrice: bigint;
  perpetual: boolean;
  listed: boolean;
  /** Every ancestor with its absolute share, as the registry stores them (empty for a plain dataset). */
  ancestors: Ancestor[];
}

interface Ancestor {
  assetId: bigint;
  bps: number;
}

interface JobModel {
  id: bigint;
  job: Job;
  escrow: bigint;
  status: number;
  /** Settled with its results delivered: its word then commits to its outputs. */
  delivered: boolean;
}

interface Model {
  now: bigint;
  window: bigint;
  feeBps: Record<MarketName, number>;
  treasury: Record<MarketName, number>;
  ledgers: Record<MarketName, Ledger>;
  tokens: Map<Address, bigint>;
  datasets: DatasetModel[];
  /** The id the next reservation gets: a derivative refused leaves its reserved id unpublished. */
  nextId: bigint;
  jobs: JobModel[];
  /** When each buyer's licence to each dataset ends, by `${datasetId}:${account}`. */
  licences: Map<string, bigint>;
}

/** What the events say: credits, withdrawals, treasuries and jobs, read only from receipts. */
interface EventLog {
  ledgers: Record<MarketName, Ledger>;
  treasury: Record<MarketName, Address>;
  jobs: Map<bigint, Job>;
}

type Revert = { name: string; args?: readonly unknown[] };

// ------------------------------------------------------------------------------------------ chain setup

let market: TestMarket;
let client: PublicClient<Transport, Chain>;
let wallets: WalletClient<Transport, Chain, Account>[];
let accounts: Address[];
let contracts: Record<MarketName, Address>;
/** The market's contracts, each with its ABI. */
let deployed: MarketContracts;
let token: Address;
let chainId: number;
let providerIds: bigint[];
let providerOwnerById: Map<bigint, Address>;
let snapshot: Hex;
let model: Model;
let events: EventLog;

/** Actions run, by kind: succeeded and reverted as predicted. */
const tallies = new Map<string, { ok: number; reverted: number }>();
/** Reverts seen (all predicted), by custom error. */
const revertCounts = new Map<string, number>();
/** RoyaltyPaid events seen (all predicted). */
let royaltiesPaid = 0;

const abiOf = { marketplace: marketplaceAbi, compute: computeMarketAbi } as const;
const nodeIndex = (node: number) => DEV_ACCOUNTS + node;
const at = <T>(items: readonly T[], index: number): T => items[index % items.length] as T;

beforeAll(async () => {
  market = await startTestMarket();
  const rpcUrl = market.chain.rpcUrl;
  // One HTTP request carries every read of a check.
  const transport = http(rpcUrl, { batch: true });
  const chain = market.publicClient.chain;
  client = createPublicClient({ chain, transport });
  const signers: Account[] = [
    ...Array.from({ length: DEV_ACCOUNTS }, (_, i) => devAccount(i)),
    ...NODE_ACCOUNTS,
  ];
  wallets = signers.map((account) => createWalletClient({ account, chain, transport }));
  accounts = signers.map((account) => account.address);
  contracts = { marketplace: market.deployments.contracts.marketplace, compute: market.deployments.contracts.computeMarket };
  deployed = contractsOf(market.deployments);
  token = market.deployments.stablecoin.address;
  chainId = market.deployments.chainId;

  await market.testClient.setBlockTimestampInterval({ interval: 1 });
  for (const address of accounts.slice(DEV_ACCOUNTS)) await market.testClient.setBalance({ address, value: parseEther('10') });
  for (let i = 0; i < DEV_ACCOUNTS; i++) {
    for (const spender of Object.values(contracts)) {
      await receiptOf(send(i, { ...deployed.stablecoin, functionName: 'approve', args: [spender, maxUint256] }));
    }
  }
  providerIds = [];
  providerOwnerById = new Map();
  for (const provider of PROVIDERS) {
    const providerId = await registerProvider(market, provider.owner, NODE_ACCOUNTS[provider.node]!, provider.environments);
    providerIds.push(providerId);
    providerOwnerById.set(providerId, accounts[provider.owner]!);
  }
  snapshot = await market.testClient.snapshot();
});

afterAll(async () => {
  await market?.stop();
});

type WriteParameters = Parameters<WalletClient<Transport, Chain, Account>['writeContract']>[0];

/** Sends a contract call from account `index`. */
function send(index: number, parameters: Omit<WriteParameters, 'account' | 'chain'>): Promise<Hex> {
  const wallet = wallets[index];
  if (!wallet) throw new Error(`no account ${index}`);
  return wallet.writeContract(parameters as WriteParameters);
}

/**
 * The receipt of a transaction sent with automine on. anvil answers eth_sendRawTransaction once the block is
 * mined but can take a moment to serve its receipt, so this polls briefly instead of viem's 4 s interval.
 */
async function receiptOf(hash: Promise<Hex>): Promise<TransactionReceipt> {
  const txHash = await hash;
  for (let attempt = 0; ; attempt++) {
    try {
      const receipt = await client.getTransactionReceipt({ hash: txHash });
      if (receipt.status !== 'success') throw new Error(`transaction ${txHash} reverted`);
      return receipt;
    } catch (error) {
      if (!(error instanceof TransactionReceiptNotFoundError) || attempt === 400) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** Sends `tx` and expects `revert`, or success when `revert` is null; returns the receipt on success. */
/** Sends `tx` and expects `revert`, or success when `revert` is null; returns the receipt on success. */
async function attempt(kind: string, revert: Revert | null, tx: () => Promise<Hex>): Promise<TransactionReceipt | null> {
  if (revert) {
    await expectRevert(tx(), revert.name, revert.args);
    tally(kind).reverted++;
    revertCounts.set(revert.name, (revertCounts.get(revert.name) ?? 0) + 1);
    return null;
  }
  const receipt = await receiptOf(tx());
  readEvents(receipt);
  tally(kind).ok++;
  return receipt;
}

function tally(kind: string): { ok: number; reverted: number } {
  const counts = tallies.get(kind) ?? { ok: 0, reverted: 0 };
  tallies.set(kind, counts);
  return counts;
}

// ----------------------------------------------------------------------------------------- run lifecycle

async function resetChain(): Promise<void> {
  await market.testClient.revert({ id: snapshot });
  snapshot = await market.testClient.snapshot();
  const balances = await Promise.all(accounts.map((account) => tokenBalance(account)));
  model = {
    now: (await client.getBlock()).timestamp,
    window: INITIAL_WINDOW,
    feeBps: { marketplace: INITIAL_FEE_BPS, compute: INITIAL_FEE_BPS },
    treasury: { marketplace: ADMIN, compute: ADMIN },
    ledgers: { marketplace: new Ledger(), compute: new Ledger() },
    tokens: new Map(accounts.map((account, i) => [account, balances[i] ?? 0n])),
    datasets: [],
    nextId: 1n,
    jobs: [],
    licences: new Map(),
  };
  events = {
    ledgers: { marketplace: new Ledger(), compute: new Ledger() },
    treasury: { marketplace: accounts[ADMIN]!, compute: accounts[ADMIN]! },
    jobs: new Map(),
  };
}

function tokenBalance(account: Address): Promise<bigint> {
  return client.readContract({ ...deployed.stablecoin, functionName: 'balanceOf', args: [account] });
}

function moveTokens(from: Address, to: Address, amount: bigint): void {
  model.tokens.set(from, (model.tokens.get(from) ?? 0n) - amount);
  model.tokens.set(to, (model.tokens.get(to) ?? 0n) + amount);
}

/** Credits the event ledger from the events of a successful transaction. */
function readEvents(receipt: TransactionReceipt): void {
  for (const name of ['marketplace', 'compute'] as const) {
    const logs = receipt.logs.filter((log) => log.address.toLowerCase() === contracts[name].toLowerCase());
    const parsed = parseEventLogs({ abi: abiOf[name], logs, strict: true });
    // A sale's owner is credited its price less the fee and the royalties the same sale paid.
    const royalties = parsed.reduce((sum, log) => sum + (log.eventName === 'RoyaltyPaid' ? log.args.amount : 0n), 0n);
    for (const log of parsed) {
      const ledger = events.ledgers[name];
      switch (log.eventName) {
        case 'TreasuryChanged':
          events.treasury[name] = log.args.treasury;
          break;
        case 'Withdrawn':
          expect(log.args.token).toBe(token);
          ledger.withdraw(log.args.account, log.args.amount);
          break;
        case 'LicencePurchased':
          ledger.credit(log.args.owner, log.args.price - log.args.fee - royalties);
          ledger.credit(events.treasury[name], log.args.fee);
          break;
        case 'RoyaltyPaid':
          expect(log.args.currency).toBe(token);
          ledger.credit(log.args.owner, log.args.amount);
          break;
        case 'JobRequested':
          events.jobs.set(log.args.jobId, log.args.job);
          break;
        case 'JobSettled': {
          const job = events.jobs.get(log.args.jobId);
          const providerOwner = job && providerOwnerById.get(job.providerId);
          if (!job || !providerOwner) throw new Error(`JobSettled for unknown job ${log.args.jobId}`);
          const { split } = log.args;
          ledger.credit(split.owner, split.ownerAmount);
          ledger.credit(providerOwner, split.providerAmount);
          ledger.credit(events.treasury[name], split.marketFee);
          ledger.credit(job.buyer, split.buyerRefund);
          break;
        }
        case 'JobCancelled':
        case 'JobRefunded': {
          const job = events.jobs.get(log.args.jobId);
          if (!job) throw new Error(`${log.eventName} for unknown job ${log.args.jobId}`);
          ledger.credit(job.buyer, log.args.amount);
          break;
        }
        default:
          break;
      }
    }
  }
}

// ------------------------------------------------------------------------------------------- invariants

async function checkInvariants(touched: JobModel | undefined): Promise<void> {
  const withdrawable = (name: MarketName, account: Address) =>
    client.readContract({ address: contracts[name], abi: abiOf[name], functionName: 'withdrawable', args: [token, account] });
  const [block, marketplaceBalance, computeBalance, mpOwed, cmOwed, balances, touchedStatus] = await Promise.all([
    client.getBlock(),
    tokenBalance(contracts.marketplace),
    tokenBalance(contracts.compute),
    Promise.all(accounts.map((account) => withdrawable('marketplace', account))),
    Promise.all(accounts.map((account) => withdrawable('compute', account))),
    Promise.all(accounts.map((account) => tokenBalance(account))),
    touched &&
      client.readContract({ ...deployed.computeMarket, functionName: 'jobStatus', args: [touched.id] }),
  ]);
  model.now = block.timestamp;
  const sum = (values: readonly bigint[]) => values.reduce((total, value) => total + value, 0n);
  const openEscrow = sum(model.jobs.filter((job) => isOpen(job)).map((job) => job.escrow));

  // Conservation.
  expect(marketplaceBalance).toBe(sum(mpOwed));
  expect(computeBalance).toBe(openEscrow + sum(cmOwed));

  // Every account against the model and the events; a reverted action changed nothing.
  accounts.forEach((account, i) => {
    for (const [name, owed] of [['marketplace', mpOwed], ['compute', cmOwed]] as const) {
      const credited = events.ledgers[name].credited.get(account) ?? 0n;
      const withdrawn = events.ledgers[name].withdrawn.get(account) ?? 0n;
      expect({ account, name, credited }).toEqual({ account, name, credited: model.ledgers[name].credited.get(account) ?? 0n });
      expect(withdrawn).toBeLessThanOrEqual(credited);
      expect({ account, name, owed: owed[i] }).toEqual({ account, name, owed: model.ledgers[name].withdrawable(account) });
      expect(owed[i]).toBe(credited - withdrawn);
    }
    expect({ account, balance: balances[i] }).toEqual({ account, balance: model.tokens.get(account) });
  });
  if (touched) expect(touchedStatus).toBe(touched.status);
}

/**
 * The node key's access to the touched job's dataset: on while the dataset's owner allows its provider and one of
 * the jobs the provider accepted there runs, off otherwise (a requested job grants nothing).
 */
async function checkAccess(touched: JobModel | undefined): Promise<void> {
  if (!touched) return;
  const { datasetId, providerId } = touched.job;
  const providerIndex = providerIds.indexOf(providerId);
  const nodeAddress = accounts[nodeIndex(PROVIDERS[providerIndex]!.node)]!;
  const [hasActiveJob, canDecrypt] = await Promise.all([
    client.readContract({ ...deployed.computeMarket, functionName: 'hasActiveJob', args: [datasetId, nodeAddress] }),
    client.readContract({ ...deployed.marketplace, functionName: 'canDecrypt', args: [datasetId, nodeAddress] }),
  ]);
  expect(canDecrypt).toBe(hasActiveJob);
  const allowed = datasetOf(datasetId).allowed.has(providerId);
  const running = model.jobs.filter((job) => job.status === JobStatus.Accepted && job.job.datasetId === datasetId && job.job.providerId === providerId);
  if (!allowed || running.length === 0) expect(hasActiveJob).toBe(false);
  // A margin of a block either side of the deadline keeps the check independent of which block a call reads.
  else if (running.some((job) => job.job.deadline >= model.now + 2n)) expect(hasActiveJob).toBe(true);
}

const datasetOf = (id: bigint) => model.datasets.find((dataset) => dataset.id === id)!;

const isOpen = (job: JobModel) => job.status === JobStatus.Requested || job.status === JobStatus.Accepted;

// ---------------------------------------------------------------------------------------------- actions

/** Time of the next block. */
const next = () => model.now + 1n;

/** Where an action can succeed: Requested jobs to accept or cancel, running jobs to settle, expired ones to refund. */
const fitFor: Record<JobAction['kind'], (job: JobModel) => boolean> = {
  accept: (job) => job.status === JobStatus.Requested && job.job.deadline >= next(),
  cancel: (job) => job.status === JobStatus.Requested,
  submit: (job) => isOpen(job) && job.job.deadline >= next(),
  refund: (job) => isOpen(job) && job.job.deadline < next(),
};

/** A job for `action`: any job when it asks for one, else one it fits, else an open one, else any. */
function selectJob(action: JobAction): JobModel | undefined {
  const fit = model.jobs.filter(fitFor[action.kind]);
  const open = model.jobs.filter(isOpen);
  const candidates = !action.anyJob && fit.length ? fit : !action.anyJob && open.length ? open : model.jobs;
  return candidates.length ? at(candidates, action.job) : undefined;
}

/** Among `items`, one that `fits` when the action is targeted and there is one; otherwise any. */
function choose<T>(items: readonly T[], index: number, targeted: boolean, fits: (item: T) => boolean, preferred: (item: T) => boolean = () => true): T {
  const fit = targeted ? items.filter(fits) : [];
  const best = fit.filter(preferred);
  return at(best.length ? best : fit.length ? fit : items, index);
}

/** A derivative that pays royalties, when the action prefers one. */
const derivedIf = (wanted: boolean) => (dataset: DatasetModel) => !wanted || dataset.ancestors.some((ancestor) => ancestor.bps > 0);

function providerAccounts(job: Job): { owner: number; node: number } {
  const provider = PROVIDERS[providerIds.indexOf(job.providerId)]!;
  return { owner: provider.owner, node: nodeIndex(provider.node) };
}

function caller(by: Role, job: Job, other: number): number {
  const provider = providerAccounts(job);
  if (by === 'node') return provider.node;
  if (by === 'owner') return provider.owner;
  return at(BUYERS, other);
}

/** Runs one action; returns the job it touched, if any. With nothing to act on, it publishes or requests instead. */
async function execute(action: Action): Promise<JobModel | undefined> {
  if (needsDataset(action) && !model.datasets.length) return execute(publishFallback(action));
  switch (action.kind) {
    case 'publish':
      await publish(action);
      return undefined;
    case 'derive':
      await derive(action);
      return undefined;
    case 'allow':
      return allow(action);
    case 'buy':
      await buy(action);
      return undefined;
    case 'request':
      return request(action);
    case 'accept':
    case 'cancel':
    case 'submit':
    case 'refund': {
      const job = selectJob(action);
      if (!job) return execute(requestFallback(action.job));
      await jobAction(action, job);
      return job;
    }
    case 'travel':
      await travel(action.seconds);
      return model.jobs.length ? at(model.jobs, action.seconds) : undefined;
    case 'withdraw':
      await withdraw(
        choose(
          accounts.map((_, i) => i),
          action.account,
          action.targeted,
          (i) => model.ledgers[action.market].withdrawable(accounts[i]!) > 0n,
        ),
        action.market,
      );
      return undefined;
    case 'setFee':
      await setFee(action);
      return undefined;
    case 'setTreasury':
      await setTreasury(action.market, at(TREASURIES, action.treasury));
      return undefined;
    case 'setWindow':
      await setWindow(action.window);
      return undefined;
    case 'transferNft':
      await transferNft(action);
      return undefined;
    case 'toggleListing':
      await toggleListing(at(model.datasets, action.dataset));
      return undefined;
  }
}

const needsDataset = (action: Action) =>
  ['derive', 'allow', 'buy', 'request', 'accept', 'cancel', 'submit', 'refund', 'transferNft', 'toggleListing'].includes(action.kind);

function publishFallback(action: Action): Action {
  const seed = JSON.stringify(action, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)).length;
  return {
    kind: 'publish',
    owner: seed,
    computeOnly: seed % 2 === 0,
    downloadPrice: BigInt(seed) * 1_001n,
    computePrice: BigInt(seed) * 777n,
    aiTraining: true,
    perpetual: false,
    commercial: true,
    share: seed % 1_000,
    derivatives: 'open',
    providers: 0b111,
  };
}

function requestFallback(seed: number): Action {
  return {
    kind: 'request',
    buyer: seed,
    dataset: seed,
    targeted: true,
    derived: false,
    provider: seed % PROVIDERS.length,
    environment: 0,
    aiTraining: false,
    maxMinutes: 1 + (seed % 120),
    underpay: false,
    staleTerms: false,
    wrongSpec: false,
  };
}

async function travel(seconds: number): Promise<void> {
  await market.testClient.setNextBlockTimestamp({ timestamp: model.now + BigInt(seconds) });
  await market.testClient.mine({ blocks: 1 });
  tally('travel').ok++;
}

/** The terms `choice` asks for: consistent by construction (the registry would refuse e.g. a share without commercial use). */
function termsOf(choice: TermsChoice): LicenceTerms {
  return termsFor({
    currency: token,
    computeOnly: choice.computeOnly,
    // Compute-only terms carry no download price and are never transferable.
    downloadPrice: choice.computeOnly ? 0n : choice.downloadPrice,
    computePrice: choice.computePrice,
    aiTrainingAllowed: choice.aiTraining,
    accessDuration: choice.perpetual ? 0n : DAY,
    commercialUse: choice.commercial,
    commercialAttribution: choice.commercial,
    commercialRevShare: choice.commercial ? choice.share : 0,
    derivativesAllowed: choice.derivatives !== 'none',
    derivativesReciprocal: choice.derivatives === 'reciprocal',
  });
}

/** The model of an asset published as `id` by `owner` under `terms`, with `ancestors`; its owner allows `providers`. */
async function addDataset(id: bigint, owner: number, termsId: bigint, terms: LicenceTerms, providers: number, ancestors: Ancestor[]): Promise<void> {
  const allowed = providerIds.filter((_, i) => providers & (1 << i));
  if (allowed.length) await allowProviders(market, owner, id, allowed);
  model.datasets.push({
    id,
    termsId,
    terms,
    allowed: new Set(allowed),
    owner,
    computeOnly: terms.computeOnly,
    aiTrainingAllowed: terms.aiTrainingAllowed,
    downloadPrice: terms.downloadPrice,
    computePrice: terms.computePrice,
    perpetual: terms.accessDuration === 0n,
    listed: true,
    ancestors,
  });
}

async function publish(action: Extract<Action, { kind: 'publish' }>): Promise<void> {
  const owner = at(OWNERS, action.owner);
  const terms = termsOf(action);
  // Every publish succeeds, reserving the next id first.
  const id = model.nextId++;
  const { datasetId, termsId } = await publishDataset(market, owner, metadataPointer(`${id}`), terms);
  expect(datasetId).toBe(id);
  tally('publish').ok++;
  await addDataset(id, owner, termsId, terms, action.providers, []);
}


// --------------------------------------------------------------------------------------------- lineage

/** The model file a buyer's jobs output: a derivative it publishes proves this content through any of them. */
const modelFile = (buyer: Address): Hex => sha256(toHex(`model by ${buyer}`));
const NOT_AN_OUTPUT = sha256(toHex('a file no job output'));
/** A job's outputs: its buyer's model file and a log of its own. */
const outputsOf = (job: JobModel): Hex[] => [modelFile(job.job.buyer), sha256(toHex(`log ${job.id}`))];
const receiptHashOf = (jobId: bigint): Hex => keccak256(toHex(`receipt ${jobId}`));
/** Terms that are not rights: a reciprocal parent's child must keep every other term. */
const NOT_RIGHTS = new Set(['currency', 'accessDuration', 'downloadPrice', 'computePrice']);
const rightsOf = (terms: LicenceTerms) => JSON.stringify(Object.entries(terms).filter(([term]) => !NOT_RIGHTS.has(term)).map(([, value]) => String(value)));
const licensed = (dataset: DatasetModel, account: number, time: bigint) => (model.licences.get(`${dataset.id}:${account}`) ?? 0n) > time;
/** Settled with its results delivered: the chain then knows its result, and so its outputs. */
const deliveredJob = (job: JobModel) => job.status === JobStatus.Settled && job.delivered;
/** A job through which its buyer may publish a `kind` of its outputs. */
const provesContent = (job: JobModel, kind: 'model' | 'dataset') => deliveredJob(job) && (kind === 'dataset' || job.job.aiTraining);

/** What the publisher's claim on `parent` names: its own job on it when asked and it has one, else ownership or a licence. */
function claimOn(parent: DatasetModel, action: Extract<Action, { kind: 'derive' }>, publisher: number, content: Hex): ParentClaim {
  const jobs = model.jobs.filter((job) => job.job.datasetId === parent.id);
  const own = jobs.filter((job) => job.job.buyer === accounts[publisher]);
  const kind = action.model ? 'model' : 'dataset';
  // Untargeted, the claim may name anyone's job on the parent, one that never delivered, or none at all.
  const job = !action.viaJob ? undefined : action.targeted ? (own.find((j) => provesContent(j, kind)) ?? own.at(-1)) : jobs.length ? at(jobs, action.job) : undefined;
  if (!job) return heldClaim(parent.id, parent.termsId);
  return { ...heldClaim(parent.id, parent.termsId), jobId: job.id, job: job.job, receiptHash: receiptHashOf(job.id), outputsProof: outputsProof(outputsOf(job), content) ?? [] };
}

/** Adds `bps` to `assetId`'s share among `ancestors` or appends it, as Lineage._merge does; returns its revert if any. */
function merge(ancestors: Ancestor[], assetId: bigint, bps: number): Revert | null {
  const known = ancestors.find((ancestor) => ancestor.assetId === assetId);
  if (known) {
    known.bps += bps;
    return known.bps > 10_000 ? { name: 'RoyaltiesOverAll', args: [BigInt(known.bps)] } : null;
  }
  if (ancestors.length === 8) return { name: 'TooManyAncestors', args: [] };
  ancestors.push({ assetId, bps });
  return null;
}

/** The registry's verdict on `claims` of `publisher` for an asset under `terms` at time `now`, rule by rule in its order. */
function lineageOf(claims: readonly ParentClaim[], publisher: number, kind: 'model' | 'dataset', content: Hex, termsId: bigint, terms: LicenceTerms, now: bigint) {
  const ancestors: Ancestor[] = [];
  const fail = (revert: Revert) => ({ revert, ancestors });
  for (const claim of claims) {
    const parent = datasetOf(claim.parentId);
    const parentTerms = parent.terms;
    if (claim.termsId !== parent.termsId) return fail({ name: 'ParentTermsMismatch', args: [parent.id, claim.termsId, parent.termsId] });
    if (!parentTerms.derivativesAllowed) return fail({ name: 'DerivativesNotAllowed', args: [parent.id] });
    if (kind === 'model' && !parentTerms.aiTrainingAllowed) return fail({ name: 'TrainingNotAllowed', args: [parent.id] });
    if (claim.jobId === 0n) {
      if (parent.owner !== publisher && !licensed(parent, publisher, now)) return fail({ name: 'NotLicensed', args: [parent.id, accounts[publisher]] });
    } else {
      const job = model.jobs.find((j) => j.id === claim.jobId)!;
      if (job.job.buyer !== accounts[publisher]) return fail({ name: 'NotJobBuyer', args: [job.id, accounts[publisher]] });
      if (kind === 'model' && !job.job.aiTraining) return fail({ name: 'JobNotTraining', args: [job.id] });
      if (!deliveredJob(job) || !outputsOf(job).includes(content)) return fail({ name: 'ContentNotProven', args: [job.id, content] });
    }
    if (parentTerms.derivativesReciprocal && rightsOf(parentTerms) !== rightsOf(terms)) {
      return fail({ name: 'ReciprocalTermsRequired', args: [parent.termsId, termsId] });
    }
    if (!parentTerms.commercialUse && terms.commercialUse) return fail({ name: 'CommercialUseNotAllowed', args: [termsId] });
    for (const [assetId, bps] of [[parent.id, parentTerms.commercialRevShare] as const, ...parent.ancestors.map((a) => [a.assetId, a.bps] as const)]) {
      const revert = merge(ancestors, assetId, bps);
      if (revert) return fail(revert);
    }
  }
  const total = ancestors.reduce((sum, ancestor) => sum + ancestor.bps, 0);
  return { revert: total > 10_000 ? { name: 'RoyaltiesOverAll', args: [BigInt(total)] } : null, ancestors };
}

/**
 * An owner or buyer publishes a derivative of up to four parents. Targeted, it picks parents it is entitled to that
 * allow this derivative, and terms that keep a reciprocal parent's rights and a non-commercial parent's limit.
 */
async function derive(action: Extract<Action, { kind: 'derive' }>): Promise<void> {
  const publisher = at(DERIVERS, action.publisher);
  const kind = action.model ? 'model' : 'dataset';
  const soon = next() + 3n; // after the terms and the reservation are mined
  const fits = (d: DatasetModel) =>
    d.terms.derivativesAllowed &&
    (kind === 'dataset' || d.aiTrainingAllowed) &&
    (d.owner === publisher || licensed(d, publisher, soon) || (action.viaJob && model.jobs.some((j) => j.job.datasetId === d.id && j.job.buyer === accounts[publisher] && provesContent(j, kind))));
  const parents = [...new Set(action.parents.map((p) => choose(model.datasets, p, action.targeted, fits)))].sort((a, b) => Number(a.id - b.id));
  const content = action.wrongContent ? NOT_AN_OUTPUT : modelFile(accounts[publisher]!);
  const claims = parents.map((parent) => claimOn(parent, action, publisher, content));
  if (action.staleTerms && claims.length) claims[0] = { ...claims[0]!, termsId: claims[0]!.termsId + 1n };

  let terms = termsOf(action);
  const reciprocal = parents.find((parent) => parent.terms.derivativesReciprocal);
  if (action.targeted && reciprocal) terms = { ...reciprocal.terms, downloadPrice: reciprocal.terms.computeOnly ? 0n : terms.downloadPrice, computePrice: terms.computePrice, accessDuration: terms.accessDuration };
  else if (action.targeted && parents.some((parent) => !parent.terms.commercialUse)) terms = { ...terms, commercialUse: false, commercialAttribution: false, commercialRevShare: 0 };
  await receiptOf(send(publisher, { ...deployed.registry, functionName: 'registerTerms', args: [terms] }));
  const termsId = await client.readContract({ ...deployed.registry, functionName: 'termsIdOf', args: [terms] });
  const id = model.nextId++;
  expect(await reserveDatasetId(market, publisher)).toBe(id);
  model.now = (await client.getBlock()).timestamp;

  const { revert, ancestors } = lineageOf(claims, publisher, kind, content, termsId, terms, next());
  const derivation = { kind: action.model ? AssetKind.Model : AssetKind.Dataset, contentHash: content, parents: claims };
  const receipt = await attempt('derive', revert, () =>
    send(publisher, { ...deployed.registry, functionName: 'publishAsset', args: [metadataPointer(`${id}`), termsId, id, derivation] }),
  );
  if (!receipt) return;
  expect(onlyEvent(datasetRegistryAbi, receipt.logs, 'LineageRegistered')).toEqual({
    assetId: id,
    kind: derivation.kind,
    contentHash: content,
    parents: claims.map((claim) => ({ parentId: claim.parentId, jobId: claim.jobId, bps: datasetOf(claim.parentId).terms.commercialRevShare })),
    ancestors,
  });
  await addDataset(id, publisher, termsId, terms, action.providers, ancestors);
}

/** The dataset's owner (or another account) allows or withdraws a provider; returns the provider's last job there. */
async function allow(action: Extract<Action, { kind: 'allow' }>): Promise<JobModel | undefined> {
  const dataset = at(model.datasets, action.dataset);
  const providerId = at(providerIds, action.provider);
  const from = action.byOwner ? dataset.owner : at(BUYERS, action.other);
  const revert = from !== dataset.owner ? { name: 'NotDatasetOwner', args: [dataset.id, accounts[from]] } : null;
  const receipt = await attempt('allow', revert, () =>
    send(from, { ...deployed.computeMarket, functionName: 'setProvidersAllowed', args: [dataset.id, [providerId], action.allowed] }),
  );
  if (receipt) {
    if (action.allowed) dataset.allowed.add(providerId);
    else dataset.allowed.delete(providerId);
  }
  return model.jobs.filter((job) => job.job.datasetId === dataset.id && job.job.providerId === providerId).at(-1);
}

async function buy(action: Extract<Action, { kind: 'buy' }>): Promise<void> {
  const buyer = at(BUYERS, action.buyer);
  const dataset = choose(model.datasets, action.dataset, action.targeted, (d) => d.listed && !d.computeOnly, derivedIf(action.derived));
  const price = dataset.downloadPrice;
  const maxPrice = action.underpay && price > 0n ? price - 1n : price;
  const licenceKey = `${dataset.id}:${buyer}`;
  const current = model.licences.get(licenceKey) ?? 0n;
  const termsId = action.staleTerms ? dataset.termsId + 1n : dataset.termsId;
  let revert: Revert | null = null;
  if (termsId !== dataset.termsId) revert = { name: 'TermsMismatch', args: [dataset.id, termsId, dataset.termsId] };
  else if (!dataset.listed) revert = { name: 'DatasetNotListed', args: [dataset.id] };
  else if (dataset.computeOnly) revert = { name: 'ComputeOnlyDataset', args: [dataset.id] };
  else if (price > maxPrice) revert = { name: 'PriceAboveMax', args: [price, maxPrice] };
  else if (current === maxUint64) revert = { name: 'AlreadyLicensedForever', args: [dataset.id] };

  const receipt = await attempt('buy', revert, () =>
    send(buyer, { ...deployed.marketplace, functionName: 'buyLicence', args: [dataset.id, termsId, maxPrice] }),
  );
  if (!receipt) return;
  const fee = feeOn(price, model.feeBps.marketplace);
  const expiresAt = dataset.perpetual ? maxUint64 : (current > next() ? current : next()) + DAY;
  const royalties = payRoyalties('marketplace', dataset, price - fee, receipt);
  const purchased = onlyEvent(marketplaceAbi, receipt.logs, 'LicencePurchased');
  expect([purchased.price, purchased.fee, purchased.owner, purchased.buyer, purchased.expiresAt]).toEqual([price, fee, accounts[dataset.owner], accounts[buyer], expiresAt]);
  model.ledgers.marketplace.credit(accounts[dataset.owner]!, price - fee - royalties);
  model.ledgers.marketplace.credit(accounts[model.treasury.marketplace]!, fee);
  moveTokens(accounts[buyer]!, contracts.marketplace, price);
  model.licences.set(licenceKey, expiresAt);
}

/**
 * Credits each ancestor's owner now its share of `net` from a sale of `asset` in `market`'s ledger, checks the
 * sale's RoyaltyPaid events against them (none for a zero amount) and returns the sum, which the owner does not get.
 */
function payRoyalties(market: MarketName, asset: DatasetModel, net: bigint, receipt: TransactionReceipt): bigint {
  const paid = asset.ancestors
    .map((ancestor) => ({ ancestor, amount: feeOn(net, ancestor.bps) }))
    .filter(({ amount }) => amount > 0n)
    .map(({ ancestor, amount }) => ({ assetId: asset.id, ancestorId: ancestor.assetId, owner: accounts[datasetOf(ancestor.assetId).owner]!, currency: token, amount }));
  const logs = receipt.logs.filter((log) => log.address.toLowerCase() === contracts[market].toLowerCase());
  expect(parseEventLogs({ abi: abiOf[market], logs, eventName: 'RoyaltyPaid', strict: true }).map((log) => log.args)).toEqual(paid);
  for (const royalty of paid) model.ledgers[market].credit(royalty.owner, royalty.amount);
  royaltiesPaid += paid.length;
  return paid.reduce((sum, royalty) => sum + royalty.amount, 0n);
}

async function request(action: Extract<Action, { kind: 'request' }>): Promise<JobModel | undefined> {
  const buyer = at(BUYERS, action.buyer);
  const dataset = choose(model.datasets, action.dataset, action.targeted, (d) => d.listed && (d.computeOnly || d.computePrice > 0n), derivedIf(action.derived));
  const known = action.provider < 19;
  const providerId = known ? at(providerIds, action.provider) : UNKNOWN_PROVIDER;
  const environments = known ? at(PROVIDERS, action.provider).environments : [];
  // The last pick is one index past the provider's environments.
  const environment = action.environment === 9 ? environments.length : action.environment % Math.max(environments.length, 1);
  const pricePerMinute = environments[environment]?.pricePerMinute ?? 0n;
  const escrow = dataset.computePrice + BigInt(action.maxMinutes) * pricePerMinute;
  const maxPayment = action.underpay && escrow > 0n ? escrow - 1n : escrow;
  const termsId = action.staleTerms ? dataset.termsId + 1n : dataset.termsId;
  const spec = environments[environment] ? environmentSpecHash(environments[environment]) : zeroHash;
  const environmentSpec = action.wrongSpec ? keccak256(spec) : spec;

  let revert: Revert | null = null;
  if (action.maxMinutes === 0) revert = { name: 'ZeroMinutes' };
  else if (termsId !== dataset.termsId) revert = { name: 'TermsMismatch', args: [dataset.id, termsId, dataset.termsId] };
  else if (!dataset.listed) revert = { name: 'DatasetNotListed', args: [dataset.id] };
  else if (!dataset.computeOnly && dataset.computePrice === 0n) revert = { name: 'ComputeNotAllowed', args: [dataset.id] };
  else if (action.aiTraining && !dataset.aiTrainingAllowed) revert = { name: 'AiTrainingNotAllowed', args: [dataset.id] };
  else if (!known) revert = { name: 'UnknownProvider', args: [providerId] };
  else if (!dataset.allowed.has(providerId)) revert = { name: 'ProviderNotAllowed', args: [dataset.id, providerId] };
  else if (environment >= environments.length) revert = { name: 'UnknownEnvironment', args: [providerId, environment] };
  else if (environmentSpec !== spec) revert = { name: 'EnvironmentMismatch', args: [providerId, environment] };
  else if (escrow > maxPayment) revert = { name: 'PaymentAboveMax', args: [escrow, maxPayment] };

  const receipt = await attempt('request', revert, () =>
    send(buyer, {
      ...deployed.computeMarket,
      functionName: 'requestJob',
      args: [[{ datasetId: dataset.id, termsId, providerId, environment, environmentSpec, epsilon: 0n, releaseBytes: RELEASE_BYTES }], ALGORITHM, action.aiTraining, action.maxMinutes, maxPayment],
    }),
  );
  if (!receipt) return undefined;
  const expectedJob: Job = {
    datasetId: dataset.id,
    providerId,
    buyer: accounts[buyer]!,
    currency: token,
    algorithmHash: ALGORITHM,
    dataFee: dataset.computePrice,
    pricePerMinute,
    maxMinutes: action.maxMinutes,
    feeBps: model.feeBps.compute,
    environment,
    aiTraining: action.aiTraining,
    deadline: next() + BigInt(action.maxMinutes) * 60n + model.window,
    epsilon: 0n,
    releaseBytes: RELEASE_BYTES,
  };
  const requested = onlyEvent(computeMarketAbi, receipt.logs, 'JobRequested');
  const id = BigInt(model.jobs.length + 1);
  expect(requested).toEqual({ jobId: id, datasetId: dataset.id, providerId, job: expectedJob, escrow });
  expect(escrowOf(expectedJob)).toBe(escrow);
  const job: JobModel = { id, job: expectedJob, escrow, status: JobStatus.Requested, delivered: false };
  model.jobs.push(job);
  moveTokens(accounts[buyer]!, contracts.compute, escrow);
  return job;
}

type JobAction = Extract<Action, { kind: 'accept' | 'cancel' | 'submit' | 'refund' }>;

async function jobAction(action: JobAction, target: JobModel): Promise<void> {
  const { id, job } = target;
  const provider = providerAccounts(job);
  const compute = deployed.computeMarket;
  const wrongStatus = (...allowed: number[]): Revert | null =>
    allowed.includes(target.status) ? null : { name: 'InvalidJobStatus', args: [id, target.status] };

  if (action.kind === 'accept') {
    const from = caller(action.by, job, action.other);
    const revert =
      wrongStatus(JobStatus.Requested) ??
      (from !== provider.node && from !== provider.owner ? { name: 'NotProvider', args: [job.providerId, accounts[from]] } : null) ??
      (next() > job.deadline ? { name: 'DeadlinePassed', args: [id, job.deadline] } : null) ??
      (!datasetOf(job.datasetId).allowed.has(job.providerId) ? { name: 'ProviderNotAllowed', args: [job.datasetId, job.providerId] } : null);
    const receipt = await attempt('accept', revert, () => send(from, { ...compute, functionName: 'acceptJob', args: [id, job] }));
    if (receipt) target.status = JobStatus.Accepted;
    return;
  }

  if (action.kind === 'cancel' || action.kind === 'refund') {
    const from = action.byBuyer ? accounts.indexOf(job.buyer) : at(BUYERS, action.other);
    const revert =
      (action.kind === 'cancel' ? wrongStatus(JobStatus.Requested) : wrongStatus(JobStatus.Requested, JobStatus.Accepted)) ??
      (action.kind === 'cancel' && accounts[from] !== job.buyer ? { name: 'NotBuyer', args: [id, accounts[from]] } : null) ??
      (action.kind === 'refund' && next() <= job.deadline ? { name: 'DeadlineNotReached', args: [id, job.deadline] } : null);
    const receipt = await attempt(action.kind, revert, () =>
      send(from, { ...compute, functionName: action.kind === 'cancel' ? 'cancelJob' : 'refund', args: [id, job] }),
    );
    if (!receipt) return;
    const event = onlyEvent(computeMarketAbi, receipt.logs, action.kind === 'cancel' ? 'JobCancelled' : 'JobRefunded');
    expect(event).toEqual({ jobId: id, amount: target.escrow });
    target.status = action.kind === 'cancel' ? JobStatus.Cancelled : JobStatus.Refunded;
    model.ledgers.compute.credit(job.buyer, target.escrow);
    return;
  }

  const from = caller(action.by, job, action.other);
  const minutesUsed = action.overrun ? job.maxMinutes + 1 : action.minutes % (job.maxMinutes + 1);
  const resultHash = resultHashOf(receiptHashOf(id), outputsRoot(outputsOf(target)));
  const { delivered } = action;
  const signer = action.rightSigner ? NODE_ACCOUNTS[provider.node - DEV_ACCOUNTS]! : WRONG_SIGNER;
  const signature = await signJobResult(signer, { chainId, computeMarket: contracts.compute }, { jobId: id, resultHash, minutesUsed, delivered, releasedBytes: 0n });
  const revert =
    wrongStatus(JobStatus.Requested, JobStatus.Accepted) ??
    (from !== provider.node && from !== provider.owner ? { name: 'NotProvider', args: [job.providerId, accounts[from]] } : null) ??
    (next() > job.deadline ? { name: 'DeadlinePassed', args: [id, job.deadline] } : null) ??
    (minutesUsed > job.maxMinutes ? { name: 'TooManyMinutes', args: [minutesUsed, job.maxMinutes] } : null) ??
    (!action.rightSigner ? { name: 'InvalidReceiptSignature', args: [id] } : null);
  const receipt = await attempt(delivered ? 'submit' : 'submit undelivered', revert, () =>
    send(from, { ...compute, functionName: 'submitResult', args: [id, job, resultHash, minutesUsed, delivered, 0n, signature] }),
  );
  if (!receipt) return;
  const split = expectedSplit(job, minutesUsed, delivered);
  const dataset = datasetOf(job.datasetId);
  const owner = accounts[dataset.owner]!;
  // The ancestors of a derivative are paid out of the owner's part of a delivered job's data fee (zero otherwise).
  split.ownerAmount -= payRoyalties('compute', dataset, split.ownerAmount, receipt);
  // Without delivery nobody is paid the data fee, and the event names no owner.
  expect(onlyEvent(computeMarketAbi, receipt.logs, 'JobSettled')).toEqual({
    jobId: id,
    resultHash,
    minutesUsed,
    delivered,
    releasedBytes: 0n,
    split: { owner: delivered ? owner : zeroAddress, ...split },
  });
  const ledger = model.ledgers.compute;
  ledger.credit(owner, split.ownerAmount);
  ledger.credit(accounts[provider.owner]!, split.providerAmount);
  ledger.credit(accounts[model.treasury.compute]!, split.marketFee);
  ledger.credit(job.buyer, split.buyerRefund);
  target.status = JobStatus.Settled;
  target.delivered = delivered;
}

async function withdraw(index: number, name: MarketName): Promise<void> {
  const account = accounts[index]!;
  const amount = model.ledgers[name].withdrawable(account);
  const revert = amount === 0n ? { name: 'NothingToWithdraw', args: [token, account] } : null;
  const receipt = await attempt('withdraw', revert, () =>
    send(index, { address: contracts[name], abi: abiOf[name], functionName: 'withdraw', args: [token] }),
  );
  if (!receipt) return;
  model.ledgers[name].withdraw(account, amount);
  moveTokens(contracts[name], account, amount);
}

async function setFee(action: Extract<Action, { kind: 'setFee' }>): Promise<void> {
  const from = action.byAdmin ? ADMIN : at(BUYERS, action.other);
  const revert =
    from !== ADMIN
      ? { name: 'AccessControlUnauthorizedAccount', args: [accounts[from], FEE_ADMIN_ROLE] }
      : action.bps > 1_000
        ? { name: 'FeeTooHigh', args: [action.bps, 1_000] }
        : null;
  const receipt = await attempt('setFee', revert, () =>
    send(from, { address: contracts[action.market], abi: abiOf[action.market], functionName: 'setFee', args: [action.bps] }),
  );
  if (receipt) model.feeBps[action.market] = action.bps;
}

async function setTreasury(name: MarketName, treasury: number): Promise<void> {
  await attempt('setTreasury', null, () =>
    send(ADMIN, { address: contracts[name], abi: abiOf[name], functionName: 'setTreasury', args: [accounts[treasury]!] }),
  );
  model.treasury[name] = treasury;
}

async function setWindow(window: bigint): Promise<void> {
  const revert = window > MAX_WINDOW ? { name: 'SettlementWindowTooLong', args: [window] } : null;
  const receipt = await attempt('setWindow', revert, () =>
    send(ADMIN, { ...deployed.computeMarket, functionName: 'setSettlementWindow', args: [window] }),
  );
  if (receipt) model.window = window;
}

async function transferNft(action: Extract<Action, { kind: 'transferNft' }>): Promise<void> {
  const dataset = at(model.datasets, action.dataset);
  const to = 1 + (action.to % 6);
  const from = action.byOwner ? dataset.owner : to;
  const revert = from !== dataset.owner ? { name: 'ERC721InsufficientApproval', args: [accounts[from], dataset.id] } : null;
  const receipt = await attempt('transferNft', revert, () =>
    send(from, {
      ...deployed.registry,
      functionName: 'transferFrom',
      args: [accounts[dataset.owner]!, accounts[to]!, dataset.id],
    }),
  );
  if (receipt) dataset.owner = to;
}

async function toggleListing(dataset: DatasetModel): Promise<void> {
  await attempt('toggleListing', null, () =>
    send(dataset.owner, { ...deployed.registry, functionName: dataset.listed ? 'delist' : 'relist', args: [dataset.id] }),
  );
  dataset.listed = !dataset.listed;
}

// ------------------------------------------------------------------------------------------------- test

it(`conserves funds over ${RUNS} runs of ${ACTIONS_PER_RUN} random actions`, async () => {
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(fc.array(actionArbitrary, { minLength: ACTIONS_PER_RUN, maxLength: ACTIONS_PER_RUN }), async (actions) => {
      await resetChain();
      await checkInvariants(undefined);
      for (const action of actions) {
        const touched = await execute(action);
        await checkInvariants(touched);
        await checkAccess(touched);
      }
      // Every job's status on chain matches the model at the end of the run.
      const statuses = await Promise.all(
        model.jobs.map((job) => client.readContract({ ...deployed.computeMarket, functionName: 'jobStatus', args: [job.id] })),
      );
      expect(statuses).toEqual(model.jobs.map((job) => job.status));
      // And every derivative's ancestors with their shares.
      const derived = model.datasets.filter((dataset) => dataset.ancestors.length > 0);
      const ancestors = await Promise.all(derived.map((dataset) => client.readContract({ ...deployed.registry, functionName: 'ancestorsOf', args: [dataset.id] })));
      expect(ancestors).toEqual(derived.map((dataset) => dataset.ancestors));
    }),
    // Each run drives a real chain for seconds; report the failing seed and path instead of shrinking for minutes.
    { numRuns: RUNS, endOnFailure: true },
  );
  const all = [...tallies.values()];
  const ok = all.reduce((sum, t) => sum + t.ok, 0);
  const reverted = all.reduce((sum, t) => sum + t.reverted, 0);
  const kinds = [...tallies.entries()].map(([kind, t]) => `${kind} ${t.ok}/${t.reverted}`).join(', ');
  const errors = [...revertCounts.entries()].map(([name, count]) => `${name} ${count}`).join(', ');
  console.log(
    `${ok + reverted} actions in ${Date.now() - started} ms: ${ok} succeeded, ${reverted} reverted as predicted.\n` +
      `By kind (ok/reverted): ${kinds}.\nReverts: ${errors}.\nRoyalties paid: ${royaltiesPaid}.`,
  );
  expect(ok + reverted).toBeGreaterThanOrEqual(RUNS * ACTIONS_PER_RUN);
}, 300_000);
