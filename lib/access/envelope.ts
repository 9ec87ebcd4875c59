/**
 * The key envelope stored in a dataset's metadata: the data key encrypted Lit-style under its access
 * conditions. It holds no secret; anyone may read it, only the key network can open it.
 */
import { z } from 'zod';
import { parseConditions, type EvmContractConditions } from './conditions';
import { KeyEnvelopeError } from './errors';

export interface KeyEnvelope {
  /** The key network that can open it. */
  network: 'local' | 'lit';
  /** Lit's base64 ciphertext of the data key. */
  ciphertext: string;
  /** SHA-256 of the data key, 64 hex digits without 0x (Lit's dataToEncryptHash). */
  dataToEncryptHash: string;
  /** The Lit chain key the conditions are evaluated on. */
  chain: string;
  /** Lit's evmContractConditions JSON, exactly as hashed into the identity. */
  evmContractConditions: EvmContractConditions;
}

/** Where a data key is encrypted to: the network's BLS public key and the identity, plus the envelope's other fields. */
export interface EncryptionTarget {
  /** Compressed G1 public key, 96 hex digits. */
  publicKey: string;
  /** `lit-accesscontrolcondition://…` for the envelope's conditions and hash. */
  identity: string;
  envelope: Omit<KeyEnvelope, 'ciphertext'>;
}

/** The envelope as stored: its conditions must pass Lit's schema (the ciphertext is checked by opening it). */
export const keyEnvelopeSchema = z.object({
  network: z.enum(['local', 'lit']),
  ciphertext: z.base64().min(1),
  dataToEncryptHash: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
  chain: z.string().min(1),
  evmContractConditions: z.custom<EvmContractConditions>((value) => !('problems' in parseConditions(value)), "Lit's evmContractConditions JSON"),
});

/** Validates `value` as an envelope the `network` can open; throws KeyEnvelopeError saying what is wrong. */
export function parseEnvelope(value: unknown, network: KeyEnvelope['network']): KeyEnvelope {
  const parsed = keyEnvelopeSchema.safeParse(value);
  if (!parsed.success) throw new KeyEnvelopeError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  if (parsed.data.network !== network) {
    throw new KeyEnvelopeError(
      `it was made by the ${parsed.data.network} key network, this market uses the ${network} one`,
      `set DATAGORA_KEY_NETWORK=${parsed.data.network} to open it`,
    );
  }
  return parsed.data;
}
