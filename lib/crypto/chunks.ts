/** Re-chunking of arbitrary byte streams into fixed-size pieces, and an in-order bounded pipeline over them. */
import { StreamSizeError } from './errors';

/** Bytes that may arrive in any piece sizes, synchronously or not. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** One fixed-size piece of a stream; only the last may be shorter (or empty). */
export interface Piece {
  index: number;
  bytes: Uint8Array<ArrayBuffer>;
  last: boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * Reads exact byte counts from a source of arbitrary pieces. `read` copies what it returns, so a source may
 * reuse its buffers once asked for the next piece; `view` copies only what spans pieces. It holds at most one
 * source piece at a time.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private piece: Uint8Array = EMPTY;
  private offset = 0;
  private ended = false;

  constructor(source: ByteSource) {
    this.iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  /** The next `count` bytes, fewer only where the source ends. */
  async read(count: number): Promise<Uint8Array<ArrayBuffer>> {
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count && (this.offset < this.piece.length || (await this.pull()))) {
      const take = Math.min(count - filled, this.piece.length - this.offset);
      out.set(this.piece.subarray(this.offset, this.offset + take), filled);
      filled += take;
      this.offset += take;
    }
    return filled === count ? out : out.subarray(0, filled);
  }

  /**
   * The next `count` bytes, fewer only where the source ends: a view of the source's piece when it holds them
   * all, valid until the reader is asked for more (the source may then reuse it), else a copy.
   */
  async view(count: number): Promise<Uint8Array<ArrayBuffer>> {
    if (this.offset === this.piece.length && !(await this.pull())) return new Uint8Array(0);
    if (this.piece.length - this.offset < count) return this.read(count);
    const bytes = this.piece.subarray(this.offset, this.offset + count) as Uint8Array<ArrayBuffer>;
    this.offset += count;
    return bytes;
  }

  /** Whether the source has no bytes left (pulls one piece ahead to find out). */
  async atEnd(): Promise<boolean> {
    return this.offset === this.piece.length && !(await this.pull());
  }

  /** Lets the source release its resources when reading stops early. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.iterator.return?.();
  }

  private async pull(): Promise<boolean> {
    while (!this.ended) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      if (next.value.length > 0) {
        this.piece = next.value;
        this.offset = 0;
        return true;
      }
    }
    this.piece = EMPTY;
    this.offset = 0;
    return false;
  }
}

/**
 * Splits `reader`'s bytes into pieces of exactly `size` bytes; the last piece holds the remaining 0…size bytes
 * and is flagged, so a stream ending on a piece boundary still ends with a flagged piece.
 *
 * Without `total`, finding the last piece reads ahead, so every piece is a copy. With the stream's `total`
 * size, pieces are views of the source's where they can be, each valid until the next is asked for; a source
 * that ends early or runs past `total` throws StreamSizeError.
 */
export async function* fixedPieces(reader: ByteReader, size: number, total?: number): AsyncGenerator<Piece, void, undefined> {
  if (total !== undefined) {
    yield* knownPieces(reader, size, total);
    return;
  }
  for (let index = 0; ; index++) {
    const bytes = await reader.read(size);
    const last = bytes.length < size || (await reader.atEnd());
    yield { index, bytes, last };
    if (last) return;
  }
}

async function* knownPieces(reader: ByteReader, size: number, total: number): AsyncGenerator<Piece, void, undefined> {
  for (let index = 0, left = total; ; index++) {
    const wanted = Math.min(size, left);
    const bytes = await reader.view(wanted);
    if (bytes.length < wanted) throw new StreamSizeError(`the source ended after ${total - left + bytes.length} bytes, not the ${total} announced`);
    left -= wanted;
    yield { index, bytes, last: left === 0 };
    if (left === 0) break;
  }
  if (!(await reader.atEnd())) throw new StreamSizeError(`the source holds more than the ${total} bytes announced`);
}

/**
 * Applies `work` to each item with up to `depth` calls in flight and yields the results in input order, so
 * asynchronous work (WebCrypto runs off the main thread) overlaps reading the input and the consumer.
 * A failure surfaces when its turn comes, after every earlier result.
 */
export async function* inOrder<T, R>(items: AsyncIterable<T>, depth: number, work: (item: T) => Promise<R>): AsyncGenerator<R, void, undefined> {
  const pending: Promise<R>[] = [];
  for await (const item of items) {
    const result = work(item);
    // Awaited in turn below; this only keeps a result abandoned by an early stop from being reported as unhandled.
    result.catch(() => undefined);
    pending.push(result);
    if (pending.length >= depth) {
      const oldest = pending.shift();
      if (oldest) yield await oldest;
    }
  }
  for (const result of pending) yield await result;
}
