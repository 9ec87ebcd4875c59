/**
 * Accounts made without elliptic-curve work up front (lib/chain/account.ts) are the accounts viem makes: the dev
 * accounts' written-out addresses and keys are the mnemonic's own, and a key from the environment signs as itself.
 */
import type { Hex } from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { DEV_ACCOUNT_COUNT, DEV_MNEMONIC, devAccount } from '@/lib/chain/dev';
import { AccountError, resolveAccount } from '@/lib/market/account';

const message = 'datagora dev account check';

it('makes every dev account exactly as the mnemonic derives it', async () => {
  for (let index = 0; index < DEV_ACCOUNT_COUNT; index++) {
    const expected = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
    const account = devAccount(index);
    expect(account.address).toBe(expected.address);
    await expect(account.signMessage({ message })).resolves.toBe(await expected.signMessage({ message }));
    expect(account.publicKey).toBe(expected.publicKey);
  }
  expect(devAccount(0).address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
  expect(() => devAccount(DEV_ACCOUNT_COUNT)).toThrow(RangeError);
});

it('takes a key from the environment as the account viem makes of it, and refuses one off the curve', async () => {
  const key: Hex = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
  const account = resolveAccount({ privateKeyEnv: 'KEY' }, 1, { ...process.env, KEY: key });
  const expected = privateKeyToAccount(key);
  expect(account.address).toBe(expected.address);
  await expect(account.signMessage({ message })).resolves.toBe(await expected.signMessage({ message }));
  for (const outside of [`0x${'0'.repeat(64)}`, `0x${'f'.repeat(64)}`]) {
    expect(() => resolveAccount({ privateKeyEnv: 'KEY' }, 1, { ...process.env, KEY: outside })).toThrow(AccountError);
  }
});
