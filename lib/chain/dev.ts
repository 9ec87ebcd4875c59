/**
 * Dev accounts of the embedded chain: anvil's public test mnemonic. These keys are for the local chain only
 * and hold nothing anywhere else.
 */
import { parseUnits, type Account, type Chain, type PublicClient, type Transport, type WalletClient } from 'viem';
import { mnemonicToAccount, type HDAccount } from 'viem/accounts';
import { mockStablecoinAbi } from '../contracts';
import type { Deployments } from './deployments';

export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
export const DEV_ACCOUNT_COUNT = 10;
/** Stablecoin each dev account gets on a fresh local chain (whole dollars). */
export const DEV_FUNDING = '1000000';

const derived = new Map<number, HDAccount>();

/** The `index`-th dev account (0 deploys the contracts and is the market's admin). Derived once (~20 ms). */
export function devAccount(index: number): HDAccount {
  let account = derived.get(index);
  if (!account) {
    account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
    derived.set(index, account);
  }
  return account;
}

/** Mints {@link DEV_FUNDING} of the mock stablecoin to every dev account. */
export async function fundDevAccounts(
  publicClient: PublicClient<Transport, Chain>,
  minter: WalletClient<Transport, Chain, Account>,
  deployments: Deployments,
): Promise<void> {
  const amount = parseUnits(DEV_FUNDING, deployments.stablecoin.decimals);
  for (let i = 0; i < DEV_ACCOUNT_COUNT; i++) {
    const hash = await minter.writeContract({
      address: deployments.stablecoin.address,
      abi: mockStablecoinAbi,
      functionName: 'mint',
      args: [devAccount(i).address, amount],
    });
    await publicClient.waitForTransactionReceipt({ hash });
  }
}
