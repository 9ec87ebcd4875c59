import { freshRead, PageCache, type KeptPage } from '@/lib/web/page-cache';

const page = (text: string): KeptPage => ({ status: 200, headers: { 'content-type': 'text/html' }, body: Buffer.from(text) });

/** A read whose answers the test releases one at a time, counting the reads started. */
function gatedRead() {
  const pending: ((value: number) => void)[] = [];
  let started = 0;
  return {
    read: () => new Promise<number>((resolve) => (started++, pending.push(resolve))),
    release: (value: number) => pending.shift()!(value),
    started: () => started,
  };
}

describe('freshRead', () => {
  it('starts a read at once for a caller when none is out', async () => {
    const gate = gatedRead();
    const read = freshRead(gate.read);
    const first = read();
    expect(gate.started()).toBe(1);
    gate.release(1);
    expect(await first).toBe(1);
    const second = read();
    expect(gate.started()).toBe(2);
    gate.release(2);
    expect(await second).toBe(2);
  });

  it('never answers a caller with a read that started before it asked', async () => {
    const gate = gatedRead();
    const read = freshRead(gate.read);
    const early = read();
    // Asked while the first read is out: it waits for a second one, shared by everyone who asks meanwhile.
    const late = read();
    const later = read();
    expect(gate.started()).toBe(1);
    gate.release(10);
    expect(await early).toBe(10);
    await new Promise((resolve) => setImmediate(resolve));
    expect(gate.started()).toBe(2);
    gate.release(11);
    expect(await Promise.all([late, later])).toEqual([11, 11]);
  });

  it('lets a failed read fail its callers only', async () => {
    let calls = 0;
    const read = freshRead(async () => {
      calls++;
      if (calls === 1) throw new Error('down');
      return calls;
    });
    await expect(read()).rejects.toThrow('down');
    await expect(read()).resolves.toBe(2);
  });
});

describe('PageCache', () => {
  it('serves a page only at the state it was rendered at, and keeps nothing while the state is unknown', async () => {
    let state: string | undefined = '7';
    const cache = new PageCache(async () => state);
    expect(await cache.lookup('/')).toEqual({ state: '7' });
    cache.keep('/', '7', page('at 7'));
    expect((await cache.lookup('/')).page?.body.toString()).toBe('at 7');
    state = '8';
    expect(await cache.lookup('/')).toEqual({ state: '8' });
    state = undefined;
    expect(await cache.lookup('/')).toEqual({ state: undefined });
  });

  it('treats a state that cannot be read as unknown', async () => {
    const cache = new PageCache(() => Promise.reject(new Error('the chain does not answer')));
    expect(await cache.lookup('/')).toEqual({ state: undefined });
  });

  it('drops the oldest page past its limit', async () => {
    const cache = new PageCache(async () => '1', 2);
    cache.keep('/a', '1', page('a'));
    cache.keep('/b', '1', page('b'));
    cache.keep('/c', '1', page('c'));
    expect((await cache.lookup('/a')).page).toBeUndefined();
    expect((await cache.lookup('/c')).page?.body.toString()).toBe('c');
  });
});
