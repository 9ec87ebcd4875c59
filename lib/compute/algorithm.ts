/** What a provider accepts as an algorithm: its runtime (from the file name), its size, and its committed hash. */
import { sha256, type Hex } from 'viem';

/** Largest algorithm file a node accepts (base64 in the submission's JSON adds a third). */
export const MAX_ALGORITHM_BYTES = 4 << 20;

/** The runtime an algorithm file runs with, from its extension. */
export function runtimeOf(name: string): 'python' | 'node' | undefined {
  if (/\.py$/.test(name)) return 'python';
  if (/\.(c|m)?js$/.test(name)) return 'node';
  return undefined;
}

/** SHA-256 of an algorithm file as the bytes32 a job commits to on-chain (viem's, so the browser hashes it too). */
export function algorithmHash(content: Uint8Array): Hex {
  return sha256(content);
}
