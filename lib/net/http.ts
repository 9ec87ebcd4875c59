/** What the market's small HTTP services (key nodes, provider node, indexer, IPFS node) share. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';

/** Answers `status` with `body`: JSON (bigints as decimal strings), or a string sent as `type`. */
export function send(response: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' && type !== 'application/json' ? body : JSON.stringify(body, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * The request body parsed as JSON, read up to `maxBytes`. A larger body or one that is not JSON throws what
 * `reject` makes of it, so each service answers in its own error vocabulary.
 */
export async function readJson(request: IncomingMessage, maxBytes: number, reject: (problem: 'too-large' | 'malformed-json', message: string) => Error): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) break;
    chunks.push(chunk);
  }
  if (size > maxBytes) {
    // Discarded to its end before the answer: closing a socket the client still writes to resets the
    // connection, and the client never reads the refusal. Node's request timeout bounds a body that never ends.
    request.resume();
    await finished(request).catch(() => undefined);
    throw reject('too-large', `the request exceeds ${maxBytes} bytes`);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw reject('malformed-json', 'the request body is not JSON');
  }
}

/**
 * Lets browsers call the service from the web app's pages: any origin, since requests authenticate with signed
 * messages (SIWE), never cookies. Answers a preflight itself and returns true, so the caller stops there.
 */
export function allowBrowsers(request: IncomingMessage, response: ServerResponse): boolean {
  response.setHeader('access-control-allow-origin', '*');
  if (request.method !== 'OPTIONS') return false;
  response.writeHead(204, {
    'access-control-allow-methods': 'GET, POST, PUT, DELETE',
    'access-control-allow-headers': 'content-type, authorization',
    'access-control-max-age': '600',
  });
  response.end();
  return true;
}
