/**
 * Lit access conditions for a dataset's data key, and the identity a key is encrypted under. Everything that
 * shapes or hashes conditions goes through Lit's own packages, so a ciphertext made here is one Lit could open.
 */
import { createHash } from 'node:crypto';
import { getHashedAccessControlConditions, type hashEVMContractConditions } from '@lit-protocol/access-control-conditions';
import { EvmChainEnum, EvmContractConditionsSchema, type EvmContractAcc } from '@lit-protocol/access-control-conditions-schemas';
import { LIT_CHAINS, LIT_RESOURCE_PREFIX } from '@lit-protocol/constants';
import { getAbiItem } from 'viem';
import { marketplaceAbi } from '../contracts';
import type { Deployments } from '../chain/deployments';
import { KeyEnvelopeError } from './errors';

/** Lit's evmContractConditions JSON: conditions, `{ operator }` items and nested groups. */
export type EvmContractConditions = Parameters<typeof hashEVMContractConditions>[0];
/** One contract call with its return value test. */
export type EvmContractCondition = EvmContractAcc;
/** A chain name Lit's condition schema accepts. */
export type LitChainKey = EvmContractAcc['chain'];

/**
 * Lit's own local network (LIT_NETWORK.Custom) runs on anvil and presents it as `yellowstone`; chains Lit does
 * not list (anvil's 31337, private chains) take the same key. Local key nodes map it to their configured RPC.
 */
const UNLISTED_CHAIN_KEY: LitChainKey = 'yellowstone';

/** The Lit chain key of `chainId`, if Lit lists the chain. */
export function litListedChainKey(chainId: number): LitChainKey | undefined {
  const entry = Object.entries(LIT_CHAINS).find(([, chain]) => chain.chainId === chainId);
  const parsed = EvmChainEnum.safeParse(entry?.[0]);
  return parsed.success ? parsed.data : undefined;
}

/** The chain key conditions name for `chainId`: Lit's own name, or `yellowstone` for chains Lit does not list. */
export function litChainKey(chainId: number): LitChainKey {
  return litListedChainKey(chainId) ?? UNLISTED_CHAIN_KEY;
}

/** Every chain key the conditions name, nested groups included. */
export function conditionChains(conditions: EvmContractConditions): string[] {
  return conditions.flatMap((item) => (Array.isArray(item) ? conditionChains(item) : 'chain' in item ? [item.chain] : []));
}

/** Marketplace.canDecrypt's ABI entry, in the shape Lit's schema takes (mutable copies of the generated ABI). */
function canDecryptAbi(): EvmContractCondition['functionAbi'] {
  const entry = getAbiItem({ abi: marketplaceAbi, name: 'canDecrypt' });
  // No undefined fields: the envelope travels as dag-json, which refuses them.
  const params = (list: readonly { name: string; type: string; internalType?: string }[]) =>
    list.map(({ name, type, internalType }) => (internalType === undefined ? { name, type } : { name, type, internalType }));
  return { type: 'function', name: entry.name, stateMutability: entry.stateMutability, inputs: params(entry.inputs), outputs: params(entry.outputs) };
}

/** Checks `conditions` against Lit's schema: returns them typed, or what is wrong with them. */
export function parseConditions(conditions: unknown): { conditions: EvmContractConditions } | { problems: string } {
  const parsed = EvmContractConditionsSchema.safeParse(conditions);
  if (parsed.success) return { conditions: parsed.data };
  return { problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'conditions'}: ${issue.message}`).join('; ') };
}

/**
 * The access conditions of `datasetId`'s data key: `Marketplace.canDecrypt(datasetId, :userAddress)` must
 * return true, evaluated by the key nodes for the account that signed in. Validated with Lit's schema.
 */
export function canDecryptConditions(deployments: Deployments, datasetId: bigint): EvmContractConditions {
  const conditions: EvmContractConditions = [
    {
      contractAddress: deployments.contracts.marketplace,
      chain: litChainKey(deployments.chainId),
      functionName: 'canDecrypt',
      functionParams: [datasetId.toString(), ':userAddress'],
      functionAbi: canDecryptAbi(),
      returnValueTest: { key: '', comparator: '=', value: 'true' },
    },
  ];
  const parsed = parseConditions(conditions);
  if ('problems' in parsed) {
    throw new KeyEnvelopeError(`Lit's schema rejects the canDecrypt conditions: ${parsed.problems}`, 'align lib/access/conditions.ts with the installed Lit schema');
  }
  return parsed.conditions;
}

/** Lit's `dataToEncryptHash`: SHA-256 of the plaintext, 64 lowercase hex digits. */
export function dataToEncryptHash(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The identity a key is encrypted under and key nodes sign: `lit-accesscontrolcondition://<hash of the
 * canonical conditions>/<dataToEncryptHash>`, hashed by Lit's own canonical formatter.
 */
export async function accessIdentity(conditions: EvmContractConditions, dataHash: string): Promise<string> {
  const hash = await getHashedAccessControlConditions({ evmContractConditions: conditions });
  if (!hash) throw new KeyEnvelopeError('the envelope names no access conditions');
  return `${LIT_RESOURCE_PREFIX.AccessControlCondition}://${Buffer.from(hash).toString('hex')}/${dataHash}`;
}
