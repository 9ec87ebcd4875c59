/**
 * Accounts whose address is known before any elliptic-curve work: viem's privateKeyToAccount computes the public
 * key with the JavaScript secp256k1, whose first use builds tables (0.1–0.2 s of CPU). Every read-only CLI command
 * paid that for an account it never signs with; here it is paid on the first signature. No Node built-ins: the
 * browser's dev wallet imports the dev accounts' module.
 */
import type { Address, Hex } from 'viem';
import { privateKeyToAccount, toAccount, type PrivateKeyAccount } from 'viem/accounts';

/** The account of `privateKey`, whose address the caller vouches for; viem's own account signs, made when first needed. */
export function keyAccount(address: Address, privateKey: Hex): PrivateKeyAccount {
  let signer: PrivateKeyAccount | undefined;
  const signing = () => (signer ??= privateKeyToAccount(privateKey));
  const account = toAccount({
    address,
    sign: (parameters) => signing().sign(parameters),
    signAuthorization: (authorization) => signing().signAuthorization(authorization),
    signMessage: (parameters) => signing().signMessage(parameters),
    signTransaction: (transaction, options) => signing().signTransaction(transaction, options),
    signTypedData: (typedData) => signing().signTypedData(typedData),
  });
  return {
    ...account,
    source: 'privateKey',
    get publicKey() {
      return signing().publicKey;
    },
  } as PrivateKeyAccount;
}
