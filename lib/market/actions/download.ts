/**
 * Downloading a dataset, for the SDK and the browser alike: the ticket (envelope, content, signed size and hash),
 * the data key released by the key network within a key session, and the ciphertext decrypted in a stream into
 * the caller's sink while its SHA-256 is taken. The sink keeps the plaintext only once it matches what the owner
 * signed; otherwise it is dropped and IntegrityError raised.
 */
import { createSha256, decryptStream, toHex } from '../../crypto';
import type { KeySession } from '../../access/session';
import { IntegrityError } from '../errors';
import type { DownloadPort } from '../port';
import type { DownloadTicket } from '../ticket';

/** Where the plaintext goes: written as it is decrypted, then kept or discarded. */
export interface PlaintextSink<T> {
  write(plaintext: AsyncIterable<Uint8Array>, ticket: DownloadTicket): Promise<void>;
  /** The plaintext matched the owner's hash: answers what the caller gets (a path, a File). */
  keep(): T | Promise<T>;
  discard(): void;
}

export type DownloadStep = 'sign-in' | 'shares' | 'decrypt';
export interface DownloadProgress {
  step: DownloadStep;
  /** Plaintext bytes decrypted so far (step `decrypt`). */
  bytes?: number;
  total?: number;
}

export async function download<T>(port: DownloadPort, id: bigint, sink: PlaintextSink<T>, onProgress?: (progress: DownloadProgress) => void, session?: KeySession): Promise<{ kept: T; bytes: number; sha256: string }> {
  const ticket = await port.ticket(id);
  const dataKey = await port.dataKey(ticket, session, onProgress);
  const hash = createSha256();
  const total = ticket.size;
  let bytes = 0;
  async function* verified(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      hash.update(chunk);
      bytes += chunk.length;
      onProgress?.({ step: 'decrypt', bytes, total });
      yield chunk;
    }
  }
  onProgress?.({ step: 'decrypt', bytes, total });
  try {
    await sink.write(verified(decryptStream(dataKey, port.ciphertext(ticket.content.cid))), ticket);
    const sha256 = toHex(hash.digest());
    if (sha256 !== ticket.plaintextSha256 || bytes !== ticket.size) {
      throw new IntegrityError(`dataset ${id} decrypted to ${bytes} bytes with SHA-256 ${sha256}, but its owner signed ${ticket.size} bytes with ${ticket.plaintextSha256}`, 'the stored content does not match its metadata; report it to the owner');
    }
    return { kept: await sink.keep(), bytes, sha256 };
  } catch (error) {
    sink.discard();
    throw error;
  } finally {
    dataKey.fill(0);
  }
}
