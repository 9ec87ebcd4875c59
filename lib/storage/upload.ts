/**
 * The Kubo RPC `add` call, streamed with node:http. kubo-rpc-client sends uploads through Node's fetch, which
 * on Node 20 reads a streamed request body far ahead of the socket: uploading a 5 GB file held ~5 GB in
 * memory. Piping into an http.ClientRequest honours backpressure, so memory stays flat for any size.
 */
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DatagoraError } from '../errors';
import { StorageRequestError, StorageUnavailableError, UploadAbortedError } from './errors';
import { KUBO_CHUNK_SIZE } from './ipld';

/** Kubo's `ipfs add --cid-version=1`: raw leaves, 262144-byte chunks, balanced DAG; pinned. */
const ADD_QUERY = `cid-version=1&raw-leaves=true&chunker=size-${KUBO_CHUNK_SIZE}&pin=true`;

async function* multipart(boundary: string, content: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="data"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  yield* content;
  yield Buffer.from(`\r\n--${boundary}--\r\n`);
}

/** The last NDJSON line of Kubo's answer names the file's CID; Kubo errors are JSON with a Message. */
function parseAnswer(apiUrl: string, status: number, text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  const last = lines.length > 0 ? (JSON.parse(lines[lines.length - 1]!) as { Hash?: string; Message?: string }) : {};
  if (status !== 200 || !last.Hash) throw new StorageRequestError(apiUrl, 'add', last.Message ?? `HTTP ${status}`);
  return last.Hash;
}

/** Streams `content` into the node at `apiUrl` as one pinned UnixFS file; resolves with its CID as the node wrote it. */
export async function streamAdd(apiUrl: string, content: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<string> {
  const boundary = `datagora-${randomBytes(12).toString('hex')}`;
  // Appended to the API URL's own path: a gateway may serve the RPC API under a prefix.
  const url = new URL(apiUrl);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/api/v0/add`;
  url.search = ADD_QUERY;
  const request = (url.protocol === 'https:' ? https : http).request(url, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
    signal,
  });
  const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  // The request's error also fails the pipeline below, which reports it; this copy must not go unhandled.
  answered.catch(() => undefined);
  try {
    await pipeline(Readable.from(multipart(boundary, content), { objectMode: false }), request);
    const response = await answered;
    let text = '';
    for await (const chunk of response) text += (chunk as Buffer).toString('utf8');
    return parseAnswer(apiUrl, response.statusCode ?? 0, text);
  } catch (error) {
    // Our own errors (the node's answer, a file the source could not read) pass through as they are.
    if (error instanceof DatagoraError) throw error;
    if (signal?.aborted) throw new UploadAbortedError(signal.reason ?? error);
    const code = (error as { code?: string }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') throw new StorageUnavailableError(apiUrl, error);
    throw new UploadAbortedError(error);
  }
}
