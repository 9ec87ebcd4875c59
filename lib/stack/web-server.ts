/**
 * The web app's production server (`datagora web`): Next.js's request handler behind a plain HTTP server that
 * keeps the market's public pages per market state (lib/web/page-cache.ts). A full page load of the home page or
 * a dataset's page is rendered once per state and then served as it went out; everything else — the routes, the
 * client's navigations (React Server Component requests), the other pages — goes to Next every time.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Chain, PublicClient, Transport } from 'viem';
import { connectPublic } from '../chain';
import type { Config } from '../config';
import { IndexerClient, indexerHolds } from '../indexer/client';
import type { IndexerStatus } from '../indexer/indexer';
import { freshRead, PageCache, type KeptPage } from '../web/page-cache';

/** The pages kept: the catalogue (with its search) and each dataset's page. */
const KEPT_PATHS = /^\/(?:datasets\/[1-9]\d{0,30})?$/;

/** The page's cache key, or undefined when the request is not a full load of a kept page. */
function pageKey(request: IncomingMessage): string | undefined {
  if (request.method !== 'GET') return undefined;
  const url = new URL(request.url ?? '/', 'http://page');
  if (!KEPT_PATHS.test(url.pathname)) return undefined;
  // A client-side navigation asks for the page's React payload, not its HTML.
  if (request.headers.rsc !== undefined || request.headers['next-router-state-tree'] !== undefined || request.headers['next-router-prefetch'] !== undefined) return undefined;
  return `${url.pathname}${url.search}\n${request.headers['accept-encoding'] ?? ''}`;
}

/**
 * The market state pages render at: the chain's head block, once the indexer has applied it and read every
 * document; undefined until then.
 */
function marketState(publicClient: PublicClient<Transport, Chain>, indexer: IndexerClient): () => Promise<string | undefined> {
  const head = freshRead(() => publicClient.getBlockNumber({ cacheTime: 0 }));
  const status = freshRead(() => indexer.health<IndexerStatus>());
  return async () => {
    const [block, indexed] = await Promise.all([head(), status()]);
    return indexerHolds(indexed, block) ? block.toString() : undefined;
  };
}

/** Passes the response through while keeping a copy of what went out. */
function recorded(response: ServerResponse, done: (page: KeptPage) => void): void {
  const chunks: Buffer[] = [];
  const write = response.write.bind(response) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  const copy = (chunk: unknown) => {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  response.write = ((chunk: unknown, ...rest: unknown[]) => (copy(chunk), write(chunk, ...rest))) as ServerResponse['write'];
  response.end = ((...args: unknown[]) => {
    if (args.length > 0 && typeof args[0] !== 'function') copy(args[0]);
    // Only a plain success is kept; one that sets a cookie is somebody's own.
    if (response.statusCode === 200 && !response.hasHeader('set-cookie')) done({ status: 200, headers: response.getHeaders() as KeptPage['headers'], body: Buffer.concat(chunks) });
    return end(...args);
  }) as ServerResponse['end'];
}

export async function serveWeb(config: Config, root: string, at: { host: string; port: number }): Promise<void> {
  const { default: next } = await import('next');
  const app = next({ dev: false, dir: root, hostname: at.host, port: at.port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const publicClient = await connectPublic(config.chain.rpcUrl, undefined, { batch: true });
  const pages = new PageCache(marketState(publicClient, new IndexerClient(config.indexer.url)));

  const server = createServer((request, response) => {
    void (async () => {
      const key = pageKey(request);
      const { state, page } = key ? await pages.lookup(key) : { state: undefined };
      if (page) {
        response.writeHead(page.status, { ...page.headers, 'x-datagora-page': 'kept' });
        response.end(page.body);
        return;
      }
      if (key && state !== undefined) {
        response.setHeader('x-datagora-page', 'rendered');
        recorded(response, (rendered) => pages.keep(key, state, rendered));
      }
      await handle(request, response);
    })().catch((error: unknown) => {
      console.error(error);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(at.port, at.host, resolve));
  console.log(`serving the web app on http://${at.host}:${at.port}`);
}
