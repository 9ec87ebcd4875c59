/**
 * Whole pages kept for the market state they were rendered at. The market's public pages are the same for every
 * visitor (the wallet lives in the page's scripts), and change only when the chain does: a page rendered while
 * the chain's head was block B, with the indexer having applied B and read every document it anchors, is the page
 * of every visit until the head moves. Rendering it again for each visitor is what limits how many pages a
 * server answers, so the first render at a state is kept and served to the visits after it.
 *
 * The state is asked afresh for every visit: a visit waits for a read of the head that started after it arrived,
 * so a page asked for after a transaction was mined shows it. Concurrent visits share that read.
 */

/** A rendered page as it went out. */
export interface KeptPage {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Pages kept at most: one per dataset and per catalogue search, the oldest dropped first. */
const DEFAULT_LIMIT = 500;

/**
 * `read()` shared by concurrent callers, but never a read that started before the caller asked: a caller arriving
 * while one is in flight waits for the next one, which starts when the current one ends.
 */
export function freshRead<T>(read: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const value = read().finally(() => {
      if (current === value) current = undefined;
    });
    current = value;
    return value;
  };
  return () => {
    if (!current) return start();
    next ??= current
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return start();
      });
    return next;
  };
}

export class PageCache {
  private readonly pages = new Map<string, { state: string; page: KeptPage }>();

  /**
   * `state()` names the market state pages are rendered at now, or undefined while a page rendered now could still
   * miss something (the indexer behind the chain, or either not answering): nothing is kept then.
   */
  constructor(
    private readonly state: () => Promise<string | undefined>,
    private readonly limit = DEFAULT_LIMIT,
  ) {}

  /** The state now (undefined: do not keep), and the page kept for `key` at that state, if any. */
  async lookup(key: string): Promise<{ state: string | undefined; page?: KeptPage }> {
    const state = await this.state().catch(() => undefined);
    const kept = state === undefined ? undefined : this.pages.get(key);
    return { state, ...(kept && kept.state === state ? { page: kept.page } : {}) };
  }

  /** Keeps `page`, rendered for `key` once the state was `state`. */
  keep(key: string, state: string, page: KeptPage): void {
    this.pages.delete(key);
    this.pages.set(key, { state, page });
    if (this.pages.size > this.limit) this.pages.delete(this.pages.keys().next().value!);
  }
}
