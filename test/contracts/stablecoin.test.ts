/**
 * MockStablecoin against a real anvil: the 6-decimal ERC-20 the local market prices in, its EIP-2612 permit
 * and its owner-only mint.
 */
import {
  encodeAbiParameters,
  keccak256,
  maxUint256,
  parseUnits,
  toHex,
  zeroAddress,
  zeroHash,
  type ContractEventName,
  type TransactionReceipt,
} from 'viem';
import { DEV_ACCOUNT_COUNT, DEV_FUNDING } from '@/lib/chain';
import { mockStablecoinAbi } from '@/lib/contracts';
import { eventsOf, expectRevert } from '../helpers/expect';
import { useMarketFixture } from './fixture';

const fixture = useMarketFixture();

const OWNER = 0; // the deployer
const ALICE = 1;
const BOB = 2;
const CAROL = 3;

const NAME = 'Datagora Test Dollar';
const FUNDING = parseUnits(DEV_FUNDING, 6);
/** secp256k1's group order: an `s` above half of it is malleable and refused. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const address = (account: number) => fixture().address(account);
const coin = (account = OWNER) => fixture().stablecoin(account);

function coinEvents<name extends ContractEventName<typeof mockStablecoinAbi>>(receipt: TransactionReceipt, eventName: name) {
  return eventsOf(mockStablecoinAbi, receipt.logs, eventName, fixture().deployments.stablecoin.address);
}

describe('metadata and funding', () => {
  it('is "Datagora Test Dollar" (dUSD) with 6 decimals, owned by the deployer', async () => {
    expect(await coin().read.name()).toBe(NAME);
    expect(await coin().read.symbol()).toBe('dUSD');
    expect(await coin().read.decimals()).toBe(6);
    expect(await coin().read.owner()).toBe(address(OWNER));
  });

  it('holds the dev funding in every dev account, and nothing else in circulation', async () => {
    for (let i = 0; i < DEV_ACCOUNT_COUNT; i++) expect(await coin().read.balanceOf([address(i)])).toBe(FUNDING);
    expect(await coin().read.totalSupply()).toBe(FUNDING * BigInt(DEV_ACCOUNT_COUNT));
    expect(await coin().read.balanceOf([zeroAddress])).toBe(0n);
  });

  it('exposes the EIP-712 domain permits are signed on', async () => {
    const { chain } = fixture().publicClient;
    const verifyingContract = fixture().deployments.stablecoin.address;
    const [fields, name, version, chainId, contract, salt, extensions] = await coin().read.eip712Domain();
    expect({ fields, name, version, chainId, contract, salt, extensions }).toEqual({
      fields: '0x0f', // name, version, chainId, verifyingContract
      name: NAME,
      version: '1',
      chainId: BigInt(chain.id),
      contract: verifyingContract,
      salt: zeroHash,
      extensions: [],
    });
    const typeHash = keccak256(toHex('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'));
    const separator = keccak256(
      encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint256' }, { type: 'address' }],
        [typeHash, keccak256(toHex(NAME)), keccak256(toHex('1')), BigInt(chain.id), verifyingContract],
      ),
    );
    expect(await coin().read.DOMAIN_SEPARATOR()).toBe(separator);
  });
});

describe('mint', () => {
  it('lets the owner mint to anyone, emitting Transfer from zero and growing the supply', async () => {
    const amount = 1_234_567n;
    const supply = await coin().read.totalSupply();
    const receipt = await fixture().mined(coin(OWNER).write.mint([address(ALICE), amount]));
    expect(coinEvents(receipt, 'Transfer').map((e) => e.args)).toEqual([{ from: zeroAddress, to: address(ALICE), value: amount }]);
    expect(await coin().read.balanceOf([address(ALICE)])).toBe(FUNDING + amount);
    expect(await coin().read.totalSupply()).toBe(supply + amount);
  });

  it('refuses other minters (OwnableUnauthorizedAccount) and the zero recipient (ERC20InvalidReceiver)', async () => {
    await expectRevert(coin(ALICE).write.mint([address(ALICE), 1n]), 'OwnableUnauthorizedAccount', [address(ALICE)]);
    await expectRevert(coin(OWNER).write.mint([zeroAddress, 1n]), 'ERC20InvalidReceiver', [zeroAddress]);
  });
});

describe('ownership', () => {
  it('transferOwnership hands minting to the new owner with OwnershipTransferred', async () => {
    const receipt = await fixture().mined(coin(OWNER).write.transferOwnership([address(ALICE)]));
    expect(coinEvents(receipt, 'OwnershipTransferred').map((e) => e.args)).toEqual([
      { previousOwner: address(OWNER), newOwner: address(ALICE) },
    ]);
    expect(await coin().read.owner()).toBe(address(ALICE));
    await fixture().mined(coin(ALICE).write.mint([address(BOB), 5n]));
    await expectRevert(coin(OWNER).write.mint([address(BOB), 5n]), 'OwnableUnauthorizedAccount', [address(OWNER)]);
  });

  it('refuses the zero address as new owner and non-owners', async () => {
    await expectRevert(coin(OWNER).write.transferOwnership([zeroAddress]), 'OwnableInvalidOwner', [zeroAddress]);
    await expectRevert(coin(ALICE).write.transferOwnership([address(ALICE)]), 'OwnableUnauthorizedAccount', [address(ALICE)]);
    await expectRevert(coin(ALICE).write.renounceOwnership(), 'OwnableUnauthorizedAccount', [address(ALICE)]);
  });

  it('renounceOwnership ends minting for good', async () => {
    const receipt = await fixture().mined(coin(OWNER).write.renounceOwnership());
    expect(coinEvents(receipt, 'OwnershipTransferred').map((e) => e.args)).toEqual([
      { previousOwner: address(OWNER), newOwner: zeroAddress },
    ]);
    expect(await coin().read.owner()).toBe(zeroAddress);
    await expectRevert(coin(OWNER).write.mint([address(OWNER), 1n]), 'OwnableUnauthorizedAccount', [address(OWNER)]);
  });
});

describe('transfer', () => {
  it('moves exactly the amount and emits Transfer; zero amounts and self-transfers are fine', async () => {
    const amount = 999_999n;
    const receipt = await fixture().mined(coin(ALICE).write.transfer([address(BOB), amount]));
    expect(coinEvents(receipt, 'Transfer').map((e) => e.args)).toEqual([{ from: address(ALICE), to: address(BOB), value: amount }]);
    expect(await coin().read.balanceOf([address(ALICE)])).toBe(FUNDING - amount);
    expect(await coin().read.balanceOf([address(BOB)])).toBe(FUNDING + amount);

    await fixture().mined(coin(ALICE).write.transfer([address(BOB), 0n]));
    await fixture().mined(coin(ALICE).write.transfer([address(ALICE), 10n]));
    expect(await coin().read.balanceOf([address(ALICE)])).toBe(FUNDING - amount);
  });

  it('reverts ERC20InsufficientBalance beyond the balance and ERC20InvalidReceiver to zero', async () => {
    await expectRevert(coin(ALICE).write.transfer([address(BOB), FUNDING + 1n]), 'ERC20InsufficientBalance', [
      address(ALICE),
      FUNDING,
      FUNDING + 1n,
    ]);
    await expectRevert(coin(ALICE).write.transfer([zeroAddress, 1n]), 'ERC20InvalidReceiver', [zeroAddress]);
    expect(await coin().read.balanceOf([address(ALICE)])).toBe(FUNDING);
  });
});

describe('approve and transferFrom', () => {
  it('approve sets the allowance with Approval; transferFrom spends it', async () => {
    const approved = await fixture().mined(coin(ALICE).write.approve([address(BOB), 1_000n]));
    expect(coinEvents(approved, 'Approval').map((e) => e.args)).toEqual([{ owner: address(ALICE), spender: address(BOB), value: 1_000n }]);
    expect(await coin().read.allowance([address(ALICE), address(BOB)])).toBe(1_000n);

    const moved = await fixture().mined(coin(BOB).write.transferFrom([address(ALICE), address(CAROL), 600n]));
    expect(coinEvents(moved, 'Transfer').map((e) => e.args)).toEqual([{ from: address(ALICE), to: address(CAROL), value: 600n }]);
    expect(await coin().read.allowance([address(ALICE), address(BOB)])).toBe(400n);
    expect(await coin().read.balanceOf([address(ALICE)])).toBe(FUNDING - 600n);
    expect(await coin().read.balanceOf([address(CAROL)])).toBe(FUNDING + 600n);
  });

  it('reverts ERC20InsufficientAllowance beyond the allowance, ERC20InsufficientBalance beyond the balance', async () => {
    await fixture().mined(coin(ALICE).write.approve([address(BOB), 400n]));
    await expectRevert(coin(BOB).write.transferFrom([address(ALICE), address(BOB), 401n]), 'ERC20InsufficientAllowance', [
      address(BOB),
      400n,
      401n,
    ]);
    await fixture().mined(coin(ALICE).write.approve([address(BOB), maxUint256]));
    await expectRevert(coin(BOB).write.transferFrom([address(ALICE), address(BOB), FUNDING + 1n]), 'ERC20InsufficientBalance', [
      address(ALICE),
      FUNDING,
      FUNDING + 1n,
    ]);
  });

  it('never decreases an unlimited allowance', async () => {
    await fixture().mined(coin(ALICE).write.approve([address(BOB), maxUint256]));
    await fixture().mined(coin(BOB).write.transferFrom([address(ALICE), address(BOB), 12_345n]));
    expect(await coin().read.allowance([address(ALICE), address(BOB)])).toBe(maxUint256);
  });

  it('rejects the zero address as spender, receiver or source', async () => {
    await expectRevert(coin(ALICE).write.approve([zeroAddress, 1n]), 'ERC20InvalidSpender', [zeroAddress]);
    await fixture().mined(coin(ALICE).write.approve([address(BOB), 10n]));
    await expectRevert(coin(BOB).write.transferFrom([address(ALICE), zeroAddress, 1n]), 'ERC20InvalidReceiver', [zeroAddress]);
    // Nobody holds an allowance from the zero address; spending a zero one fails on the approver.
    await expectRevert(coin(BOB).write.transferFrom([zeroAddress, address(BOB), 0n]), 'ERC20InvalidApprover', [zeroAddress]);
    await expectRevert(coin(BOB).write.transferFrom([zeroAddress, address(BOB), 1n]), 'ERC20InsufficientAllowance', [
      address(BOB),
      0n,
      1n,
    ]);
  });
});

describe('permit', () => {
  it('sets the allowance from a signature anyone may submit, emitting Approval and using the nonce', async () => {
    const deadline = (await fixture().now()) + 3_600n;
    const value = 7_000_000n;
    const { v, r, s, nonce } = await fixture().signPermit({ owner: ALICE, spender: address(BOB), value, deadline });
    expect(nonce).toBe(0n);

    const receipt = await fixture().mined(coin(CAROL).write.permit([address(ALICE), address(BOB), value, deadline, v, r, s]));
    expect(coinEvents(receipt, 'Approval').map((e) => e.args)).toEqual([{ owner: address(ALICE), spender: address(BOB), value }]);
    expect(await coin().read.allowance([address(ALICE), address(BOB)])).toBe(value);
    expect(await coin().read.nonces([address(ALICE)])).toBe(1n);
    expect(await coin().read.nonces([address(BOB)])).toBe(0n);
  });

  it('refuses a replayed permit: the nonce has moved on, so the signature no longer matches', async () => {
    const deadline = (await fixture().now()) + 3_600n;
    const { v, r, s } = await fixture().signPermit({ owner: ALICE, spender: address(BOB), value: 5n, deadline });
    await fixture().mined(coin(BOB).write.permit([address(ALICE), address(BOB), 5n, deadline, v, r, s]));
    await fixture().mined(coin(ALICE).write.approve([address(BOB), 0n]));
    await expectRevert(coin(BOB).write.permit([address(ALICE), address(BOB), 5n, deadline, v, r, s]), 'ERC2612InvalidSigner');
    expect(await coin().read.allowance([address(ALICE), address(BOB)])).toBe(0n);
  });

  it('refuses a permit signed by someone else than the owner (ERC2612InvalidSigner names the signer)', async () => {
    const deadline = (await fixture().now()) + 3_600n;
    const { v, r, s } = await fixture().signPermit({ owner: ALICE, signer: CAROL, spender: address(BOB), value: 5n, deadline });
    await expectRevert(coin(BOB).write.permit([address(ALICE), address(BOB), 5n, deadline, v, r, s]), 'ERC2612InvalidSigner', [
      address(CAROL),
      address(ALICE),
    ]);
  });

  it('refuses a permit whose fields differ from what was signed', async () => {
    const deadline = (await fixture().now()) + 3_600n;
    const { v, r, s } = await fixture().signPermit({ owner: ALICE, spender: address(BOB), value: 5n, deadline });
    await expectRevert(coin(BOB).write.permit([address(ALICE), address(BOB), 6n, deadline, v, r, s]), 'ERC2612InvalidSigner');
    await expectRevert(coin(BOB).write.permit([address(ALICE), address(CAROL), 5n, deadline, v, r, s]), 'ERC2612InvalidSigner');
    await expectRevert(coin(BOB).write.permit([address(ALICE), address(BOB), 5n, deadline + 1n, v, r, s]), 'ERC2612InvalidSigner');
    const future = await fixture().signPermit({ owner: ALICE, spender: address(BOB), value: 5n, deadline, nonce: 1n });
    await expectRevert(
      coin(BOB).write.permit([address(ALICE), address(BOB), 5n, deadline, future.v, future.r, future.s]),
      'ERC2612InvalidSigner',
    );
  });

  it('accepts a permit in its deadline second and refuses it one second later (ERC2612ExpiredSignature)', async () => {
    const deadline = (await fixture().now()) + 100n;
    const first = await fixture().signPermit({ owner: ALICE, spender: address(BOB), value: 5n, deadline });
    await fixture().nextBlockAt(deadline);
    await fixture().mined(coin(BOB).write.permit([address(ALICE), address(BOB), 5n, deadline, first.v, first.r, first.s]));

    const second = await fixture().signPermit({ owner: ALICE, spender: address(BOB), value: 6n, deadline });
    await fixture().nextBlockAt(deadline + 1n);
    await fixture().testClient.mine({ blocks: 1 });
    await expectRevert(
      coin(BOB).write.permit([address(ALICE), address(BOB), 6n, deadline, second.v, second.r, second.s]),
      'ERC2612ExpiredSignature',
      [deadline],
    );
  });

  it('refuses malformed signatures: a high s and an invalid v', async () => {
    const deadline = (await fixture().now()) + 3_600n;
    const { v, r, s } = await fixture().signPermit({ owner: ALICE, spender: address(BOB), value: 5n, deadline });
    // (r, n - s) with the other v is the same signature in malleable form.
    const highS = toHex(SECP256K1_N - BigInt(s), { size: 32 });
    await expectRevert(coin(BOB).write.permit([address(ALICE), address(BOB), 5n, deadline, v === 27 ? 28 : 27, r, highS]), 'ECDSAInvalidSignatureS', [
      highS,
    ]);
    await expectRevert(coin(BOB).write.permit([address(ALICE), address(BOB), 5n, deadline, 0, r, s]), 'ECDSAInvalidSignature', []);
  });
});

/** The shared revert assertion (test/helpers/expect.ts) must fail whenever the revert is not the one named. */
describe('expectRevert', () => {
  it('passes for the named error and arguments, from write, simulate and read alike', async () => {
    await expectRevert(coin(ALICE).write.mint([address(ALICE), 1n]), 'OwnableUnauthorizedAccount', [address(ALICE)]);
    await expectRevert(coin(ALICE).simulate.mint([address(ALICE), 1n]), 'OwnableUnauthorizedAccount', [address(ALICE)]);
    await expectRevert(fixture().registry().read.getOffer([7n]), 'UnknownDataset', [7n]);
  });

  it('fails for another error, other arguments, a success or an error that is no revert', async () => {
    await expect(expectRevert(coin(ALICE).write.mint([address(ALICE), 1n]), 'ERC20InvalidReceiver')).rejects.toThrow();
    await expect(expectRevert(coin(ALICE).write.mint([address(ALICE), 1n]), 'OwnableUnauthorizedAccount', [address(BOB)])).rejects.toThrow();
    await expect(expectRevert(coin(ALICE).write.approve([address(BOB), 1n]), 'OwnableUnauthorizedAccount')).rejects.toThrow(/succeeded/);
    await expect(expectRevert(Promise.reject(new Error('network down')), 'OwnableUnauthorizedAccount')).rejects.toThrow(/no custom error/);
  });
});
