/** The account a market action is taken as: a dev account of the embedded chain, or a key from the environment. */
import { createECDH } from 'node:crypto';
import { bytesToHex, hexToBytes, type Address, type Hex, type LocalAccount } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { DEV_ACCOUNT_COUNT, devAccount, keyAccount } from '../chain';
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
  return keyAccount(addressOf(key as Hex, choice.privateKeyEnv), key as Hex);
}

/** The address of `key`, from Node's native secp256k1 (see keyAccount for why not viem's). */
function addressOf(key: Hex, variable: string): Address {
  const ecdh = createECDH('secp256k1');
  try {
    ecdh.setPrivateKey(hexToBytes(key));
  } catch {
    throw new AccountError(`environment variable ${variable} does not hold a valid secp256k1 private key`, 'a key is a number from 1 to the curve order, in 32 bytes of hex');
  }
  return publicKeyToAddress(bytesToHex(ecdh.getPublicKey()));
}
