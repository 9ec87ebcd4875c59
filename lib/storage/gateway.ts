/**
 * A read-only IPFS gateway over any ContentStore: one file per CID, streamed, with single byte ranges and
 * caching forever (a CID's content never changes). Framework-free: takes a Request, returns a Response.
 */
import { DatagoraError } from '../errors';
import type { ContentStore } from './types';
import { ContentNotFoundError, InvalidCidError, StorageUnavailableError } from './errors';
import { parseCid } from './ipld';

/** A satisfiable byte range, inclusive at both ends as in Content-Range. */
interface ByteRange {
  start: number;
  end: number;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The single range a Range header asks for in a `size`-byte file: a range, 'unsatisfiable', or undefined
 * when the header is absent or not one we honour (another unit, several ranges, malformed), in which case
 * the whole file is sent, as RFC 9110 allows.
 */
export function requestedRange(header: string | null, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = header?.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    // bytes=-n: the last n bytes
    const suffix = Number(last);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/** True when If-None-Match lists `etag` (weak comparison) or is `*`. */
function matchesEtag(header: string | null, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const value = tag.trim();
    return value === '*' || value.replace(/^W\//, '') === etag;
  });
}

/** A web stream pulling from an async iterable, so a slow client slows the read (backpressure). */
function toWebStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

function errorResponse(status: number, error: DatagoraError): Response {
  return new Response(`${error.message}\n${error.hint}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
}

/**
 * The gateway's answer for GET or HEAD /ipfs/<cid>: 200 with the file, 206 for a satisfiable single Range,
 * 416 for an unsatisfiable one, 304 when If-None-Match names the CID, 400 for a malformed CID, 404 when the
 * node does not have it, 503 when the node does not answer.
 */
export async function gatewayResponse(store: ContentStore, cid: string, request: Request): Promise<Response> {
  let size: number;
  try {
    await parseCid(cid);
    size = (await store.stat(cid)).size;
  } catch (error) {
    if (error instanceof InvalidCidError) return errorResponse(400, error);
    if (error instanceof ContentNotFoundError) return errorResponse(404, error);
    if (error instanceof StorageUnavailableError) return errorResponse(503, error);
    throw error;
  }

  // The CID is the content's hash: a strong validator that never changes.
  const etag = `"${cid}"`;
  const headers = new Headers({ ETag: etag, 'Cache-Control': IMMUTABLE, 'Accept-Ranges': 'bytes', 'X-Content-Type-Options': 'nosniff' });
  if (matchesEtag(request.headers.get('if-none-match'), etag)) return new Response(null, { status: 304, headers });

  headers.set('Content-Type', 'application/octet-stream');
  const ifRange = request.headers.get('if-range');
  const range = ifRange === null || ifRange === etag ? requestedRange(request.headers.get('range'), size) : undefined;
  if (range === 'unsatisfiable') {
    headers.set('Content-Range', `bytes */${size}`);
    return new Response(null, { status: 416, headers });
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = end - start + 1;
  headers.set('Content-Length', String(length));
  if (range) headers.set('Content-Range', `bytes ${start}-${end}/${size}`);
  const status = range ? 206 : 200;
  if (request.method === 'HEAD' || length === 0) return new Response(null, { status, headers });
  return new Response(toWebStream(store.cat(cid, { offset: start, length, signal: request.signal })), { status, headers });
}
