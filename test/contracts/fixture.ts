/**
 * One market per test file, reset between tests with anvil snapshots, and typed handles on its contracts
 * for any dev account.
 */
import { getContract, parseSignature, publicActions, type Address, type Hash, type TransactionReceipt } from 'viem';
import { datasetRegistryAbi, marketplaceAbi, mockStablecoinAbi } from '@/lib/contracts';
import { startTestMarket, type TestMarket } from '../helpers/market';

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

function fixtureFor(market: TestMarket) {
  const { publicClient, deployments } = market;
  // Deriving a dev account from the mnemonic takes ~20 ms, so wallets and contract handles are made once.
  // One client both signs and reads, so simulations run as the account too (msg.sender matters).
  const client = memoised((account: number) => market.wallet(account).extend(publicActions));
  const registry = memoised((account: number) =>
    getContract({ address: deployments.contracts.datasetRegistry, abi: datasetRegistryAbi, client: client(account) }),
  );
  const marketplace = memoised((account: number) =>
    getContract({ address: deployments.contracts.marketplace, abi: marketplaceAbi, client: client(account) }),
  );
  const stablecoin = memoised((account: number) =>
    getContract({ address: deployments.stablecoin.address, abi: mockStablecoinAbi, client: client(account) }),
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
    /** The id the registry gives the next dataset: what a publisher prepares its metadata for. */
    nextDatasetId: (): Promise<bigint> => registry(0).read.nextDatasetId(),
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
        permit.nonce ?? (await publicClient.readContract({ address: token, abi: mockStablecoinAbi, functionName: 'nonces', args: [owner.address] }));
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
