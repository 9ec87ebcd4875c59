/** The account a market action is taken as: a dev account of the embedded chain, or a key from the environment. */
import type { Hex, LocalAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { DEV_ACCOUNT_COUNT, devAccount } from '../chain';
import { DatagoraError } from '../errors';

/** The account options are wrong or point at a secret that is not there. */
export class AccountError extends DatagoraError {}

export type AccountChoice = { devIndex: number } | { privateKeyEnv: string };

/** Chain id of local development chains (anvil), the only place dev accounts may act. */
export const LOCAL_CHAIN_ID = 31337;

/** Resolves `--account N` (local chain only) or `--private-key-env VAR` for a market on `chainId`. */
export function resolveAccount(choice: AccountChoice, chainId: number, env: NodeJS.ProcessEnv = process.env): LocalAccount {
  if ('devIndex' in choice) {
    if (chainId !== LOCAL_CHAIN_ID) {
      throw new AccountError(`dev accounts exist only on the local chain (${LOCAL_CHAIN_ID}), not on chain ${chainId}`, 'use --private-key-env VAR on a real chain');
    }
    if (!Number.isInteger(choice.devIndex) || choice.devIndex < 0 || choice.devIndex >= DEV_ACCOUNT_COUNT) {
      throw new AccountError(`no dev account ${choice.devIndex}`, `choose --account 0 to ${DEV_ACCOUNT_COUNT - 1}`);
    }
    return devAccount(choice.devIndex);
  }
  const key = env[choice.privateKeyEnv];
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new AccountError(`environment variable ${choice.privateKeyEnv} does not hold a private key`, 'set it to a 0x-prefixed 32-byte hex key');
  }
  return privateKeyToAccount(key as Hex);
}
