/** Byte-stream helpers shared by the adapters. */

/**
 * Passes `source` through chunk by chunk, reporting the running byte count and stopping with the signal's
 * reason once it is aborted. A single Uint8Array counts as a one-chunk stream.
 */
export async function* countBytes(
  source: AsyncIterable<Uint8Array> | Uint8Array,
  onTotal: (bytes: number) => void,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source instanceof Uint8Array ? [source] : source) {
    signal?.throwIfAborted();
    total += chunk.byteLength;
    onTotal(total);
    yield chunk;
  }
}

/** Everything `source` yields, as one Uint8Array (no copy when it is a single chunk, as a block usually is). */
export async function concatBytes(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks);
}
