/**
 * The node's X25519 agreement key for federated rounds: kept in the node's directory (0600, never logged), its
 * public half published on ComputeMarket (setAgreementKey), where peers read it — the only place they may.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bytesToHex, hexToBytes, type Hex } from 'viem';
import { contractsOf } from '../../../contracts';
import { agreementPublicKey, generateAgreementKeyPair, type AgreementKeyPair } from '../../../federated';
import type { Market } from '../../../market';

/** Loads the agreement key from `dir/agreement-key`, creating it (0600) on first start. */
export async function loadAgreementKey(dir: string): Promise<AgreementKeyPair> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'agreement-key');
  if (!existsSync(file)) writeFileSync(file, `${bytesToHex((await generateAgreementKeyPair()).secretKey)}\n`, { mode: 0o600, flag: 'wx' });
  const secretKey = hexToBytes(readFileSync(file, 'utf8').trim() as Hex);
  return { secretKey, publicKey: await agreementPublicKey(secretKey) };
}

/**
 * Publishes `key` as provider `providerId`'s agreement key unless the chain already holds it, as `market`'s account
 * (the provider's owner or its node). Returns whether it sent a transaction.
 */
export async function publishAgreementKey(market: Market, providerId: bigint, key: Hex): Promise<boolean> {
  const { computeMarket } = contractsOf(market.deployments);
  const onChain = await market.publicClient.readContract({ ...computeMarket, functionName: 'agreementKeyOf', args: [providerId] });
  if (onChain.toLowerCase() === key.toLowerCase()) return false;
  await market.send('publish the agreement key', { ...computeMarket, functionName: 'setAgreementKey', args: [providerId, key] });
  return true;
}
