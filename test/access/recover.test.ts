/** The key nodes' WebAssembly signer recovery agrees with viem's on real personal_sign signatures. */
import { recoverMessageAddress, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { recoverSignerWasm } from '@/lib/access/recover';

test('recovers the signer viem recovers, and nothing from a malformed signature', async () => {
  for (let i = 0; i < 8; i++) {
    const account = privateKeyToAccount(generatePrivateKey());
    const message = `sign-in ${i}\nwith lines`;
    const signature = await account.signMessage({ message });
    await expect(recoverSignerWasm(message, signature)).resolves.toBe(account.address);
    await expect(recoverSignerWasm(message, signature)).resolves.toBe(await recoverMessageAddress({ message, signature }));
    // Another message recovers some other key, never the signer.
    await expect(recoverSignerWasm(`${message}.`, signature)).resolves.not.toBe(account.address);
  }
  const signature = await privateKeyToAccount(generatePrivateKey()).signMessage({ message: 'x' });
  await expect(recoverSignerWasm('x', signature.slice(0, -2) as Hex)).resolves.toBeUndefined();
  await expect(recoverSignerWasm('x', `${signature.slice(0, -2)}1f` as Hex)).resolves.toBeUndefined();
  await expect(recoverSignerWasm('x', `0x${'00'.repeat(65)}`)).resolves.toBeUndefined();
});
