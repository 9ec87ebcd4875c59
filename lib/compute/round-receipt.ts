/**
 * The receipt a provider node signs for each round of a federated job it answered: which model came in and which
 * masked update went out (their SHA-256s), the ε the release spent and its size. EIP-712 in ComputeMarket's
 * domain, signed by the node key, so the buyer's aggregator and anyone shown rounds.json can check that the
 * provider registered for the job released exactly these bytes for that model. No Node imports: pages use it.
 */
import { isAddressEqual, recoverTypedDataAddress, type Address, type Hex, type LocalAccount } from 'viem';
import { z } from 'zod';
import { ReceiptError } from './errors';
import { resultDomain, type ResultDomain } from './settlement';

/** EIP-712 `FederatedRound(uint256 jobId,uint32 round,uint32 attempt,bytes32 modelIn,bytes32 updateOut,uint64 epsilon,uint64 bytes)`. */
export const FEDERATED_ROUND_TYPES = {
  FederatedRound: [
    { name: 'jobId', type: 'uint256' },
    { name: 'round', type: 'uint32' },
    { name: 'attempt', type: 'uint32' },
    { name: 'modelIn', type: 'bytes32' },
    { name: 'updateOut', type: 'bytes32' },
    { name: 'epsilon', type: 'uint64' },
    { name: 'bytes', type: 'uint64' },
  ],
} as const;

const bytes32 = z.custom<Hex>((value) => typeof value === 'string' && /^0x[0-9a-f]{64}$/.test(value), 'must be 32 bytes as 0x + 64 lower-case hex');
const uint = z.string().regex(/^(0|[1-9][0-9]{0,77})$/);
const uint32 = z.number().int().min(0).max(2 ** 32 - 1);

export const roundReceiptSchema = z.strictObject({
  jobId: uint,
  round: uint32,
  attempt: uint32,
  /** SHA-256 of the global model's bytes the node received (d float64, little-endian). */
  modelIn: bytes32,
  /** SHA-256 of the masked update's bytes the node sent (d + 2 uint64, little-endian). */
  updateOut: bytes32,
  /** ε this round spent, in millionths. */
  epsilon: uint,
  bytes: uint,
});
export type RoundReceipt = z.infer<typeof roundReceiptSchema>;

export const ROUND_RECEIPT_FORMAT = 'datagora/federated-round/v1';

export const signedRoundReceiptSchema = z.strictObject({
  format: z.literal(ROUND_RECEIPT_FORMAT),
  receipt: roundReceiptSchema,
  chainId: z.number().int().positive(),
  computeMarket: z.custom<Address>((value) => typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value), 'must be an address'),
  signer: z.custom<Address>((value) => typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value), 'must be an address'),
  signature: z.custom<Hex>((value) => typeof value === 'string' && /^0x[0-9a-fA-F]{130}$/.test(value), 'must be a 65-byte hex signature'),
});
export type SignedRoundReceipt = z.infer<typeof signedRoundReceiptSchema>;

function typedData(receipt: RoundReceipt, domain: ResultDomain) {
  return {
    domain: resultDomain(domain.chainId, domain.computeMarket),
    types: FEDERATED_ROUND_TYPES,
    primaryType: 'FederatedRound' as const,
    message: { ...receipt, jobId: BigInt(receipt.jobId), epsilon: BigInt(receipt.epsilon), bytes: BigInt(receipt.bytes) },
  };
}

/** Signs a round's receipt with the node key. */
export async function signRoundReceipt(node: LocalAccount, receipt: RoundReceipt, domain: ResultDomain): Promise<SignedRoundReceipt> {
  const parsed = roundReceiptSchema.parse(receipt);
  const signature = await node.signTypedData(typedData(parsed, domain));
  return { format: ROUND_RECEIPT_FORMAT, receipt: parsed, chainId: domain.chainId, computeMarket: domain.computeMarket, signer: node.address, signature };
}

/**
 * Checks a round receipt: well formed, for the market of `domain`, and signed by `nodeKey` (the node key the job's
 * provider is registered with). Throws ReceiptError naming what does not hold.
 */
export async function verifyRoundReceipt(json: unknown, domain: ResultDomain, nodeKey: Address): Promise<SignedRoundReceipt> {
  const parsed = signedRoundReceiptSchema.safeParse(json);
  if (!parsed.success) throw new ReceiptError(`not a federated round receipt: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'receipt'}: ${issue.message}`).join('; ')}`);
  const signed = parsed.data;
  if (signed.chainId !== domain.chainId || !isAddressEqual(signed.computeMarket, domain.computeMarket)) throw new ReceiptError(`the round receipt is for ComputeMarket ${signed.computeMarket} on chain ${signed.chainId}, not ${domain.computeMarket} on chain ${domain.chainId}`);
  const recovered = await recoverTypedDataAddress({ ...typedData(signed.receipt, domain), signature: signed.signature }).catch(() => undefined);
  if (!recovered || !isAddressEqual(recovered, signed.signer) || !isAddressEqual(signed.signer, nodeKey)) {
    throw new ReceiptError(`the receipt of round ${signed.receipt.round} (attempt ${signed.receipt.attempt}) of job ${signed.receipt.jobId} was not signed by the provider's node key ${nodeKey}`);
  }
  return signed;
}
