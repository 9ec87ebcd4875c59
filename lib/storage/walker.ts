/**
 * The DAG walker HeliaNode pins and unpins with. Helia's own walker reads every block, raw leaves
 * included, through a job queue; pinning needs only the leaves' CIDs (a raw block has no links), so this
 * one reads the dag-pb and DAG-JSON nodes and only checks that leaves exist: several times faster on large
 * files. Depth-first, one block at a time, and a missing block fails the walk (Helia's queue can leave that
 * error unhandled).
 */
import type { GraphNode, GraphWalker, GraphWalkerComponents, WalkOptions } from 'helia';
import type { BlockView } from 'multiformats/block/interface';
import type { CID as OwnCid, Version } from 'multiformats/cid';
import { concatBytes } from './bytes';
import { ContentNotFoundError } from './errors';
import { asCid, CODEC, type CID } from './ipld';
import { loadEsm } from '../esm';

const NO_BYTES = new Uint8Array(0);

/**
 * A walked node as Helia's pins take it. They read `block.cid` alone, which is why a raw leaf can be
 * passed unread. The block comes from the app's multiformats, typed apart from Helia's copy (see ipld.ts).
 */
function graphNode<T>(block: BlockView<unknown, number, number, Version>, depth: number, path: OwnCid[]): GraphNode<T> {
  return { block, depth, path } as unknown as GraphNode<T>;
}

function readBlock(components: GraphWalkerComponents, cid: OwnCid, options: WalkOptions<unknown>): Promise<Uint8Array> {
  // Offline (Helia's block storage honours it): a block this node lacks is missing, not to be fetched.
  const offline = { signal: options.signal, offline: true };
  return concatBytes(components.blockstore.get(asCid(cid), offline));
}

/** Helia GraphWalkerFactory that does not read raw leaves. */
export function leafSkippingWalker(components: GraphWalkerComponents): GraphWalker {
  return {
    async *walk<T>(root: CID, options: WalkOptions<T> = {}): AsyncGenerator<GraphNode<T>> {
      const { CID } = await loadEsm('multiformats/cid', () => import('multiformats/cid'));
      const { createUnsafe } = await loadEsm('multiformats/block', () => import('multiformats/block'));
      const raw = await loadEsm('multiformats/codecs/raw', () => import('multiformats/codecs/raw'));
      const start = CID.asCID(root);
      if (!start) throw new TypeError(`not a CID: ${String(root)}`);
      const maxDepth = options.depth ?? Infinity;
      const pending = [{ cid: start, depth: 0, path: [start] }];
      for (let next = pending.pop(); next; next = pending.pop()) {
        const { cid, depth, path } = next;
        if (cid.code === CODEC.raw) {
          // A stat instead of a 256 KiB read: the leaf must be here, its bytes are not needed.
          if (!(await components.blockstore.has(asCid(cid), options))) throw new ContentNotFoundError(cid.toString());
          yield graphNode(createUnsafe({ cid, bytes: NO_BYTES, codec: raw }), depth, path);
          continue;
        }
        const codec = await components.getCodec(cid.code);
        const block = createUnsafe({ cid, bytes: await readBlock(components, cid, options), codec });
        yield graphNode(block, depth, path);
        if (depth >= maxDepth) continue;
        // Pushed in reverse so the first link is walked first.
        const links = [...block.links()].map(([, link]) => link).reverse();
        for (const link of links) pending.push({ cid: link, depth: depth + 1, path: [...path, link] });
      }
    },
  };
}
