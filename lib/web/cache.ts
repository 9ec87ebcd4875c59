/**
 * Values read from the chain, kept while its head stays at the block they were read at: within a block nothing
 * the chain answers changes, and what hangs off it (documents by CID, block times) never does. Under load, one
 * read per key and block serves every visitor; a read that fails is forgotten at once.
 */

/** One visit's reads, all at the head block it asked for once. */
export interface BlockReads {
  readonly block: bigint;
  read<T>(key: string, read: () => Promise<T>): Promise<T>;
}

/** Keys kept at most: a page per dataset and per catalogue search, the oldest dropped first. */
const DEFAULT_LIMIT = 1000;

export class BlockCache {
  private readonly entries = new Map<string, { block: bigint; value: Promise<unknown> }>();

  constructor(
    private readonly headBlock: () => Promise<bigint>,
    private readonly limit = DEFAULT_LIMIT,
  ) {}

  /** The chain's head block, asked now. */
  head(): Promise<bigint> {
    return this.headBlock();
  }

  /** Reads at the head block, asked now. */
  async at(): Promise<BlockReads> {
    const block = await this.head();
    return { block, read: (key, read) => this.readAt(block, key, read) };
  }

  /** `read()`'s value for `key` at the current head, read once per block. */
  async read<T>(key: string, read: () => Promise<T>): Promise<T> {
    return this.readAt(await this.head(), key, read);
  }

  /** `read()`'s value for `key` at `block`, which the caller has just read as the head. */
  readAt<T>(block: bigint, key: string, read: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && entry.block === block) return entry.value as Promise<T>;
    const value = read();
    this.entries.delete(key);
    this.entries.set(key, { block, value });
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}
