/**
 * The Kubo RPC API dialect of the embedded node: the subset of commands kubo-rpc-client uses for the
 * market's operations, over HeliaNode, so clients cannot tell it from Kubo. Uploads are parsed as they
 * arrive and imported chunk by chunk; downloads stream with backpressure.
 *
 * Served (POST /api/v0/…): add (one file per request; CIDv0 or CIDv1, 262144-byte chunks), cat (offset,
 * length), pin/add, pin/rm, pin/ls (indirect pins only when asked about a CID), files/stat (/ipfs/<cid>),
 * block/put (dag-json, up to 1 MiB), block/get, block/stat, id, version. Errors are Kubo's JSON shape
 * ({Message, Code, Type: "error"}) with 400 for bad requests and 404 for missing content.
 */
import busboy from 'busboy';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DatagoraError } from '../errors';
import { send } from '../net/http';
import { concatBytes } from './bytes';
import { ContentNotFoundError, InvalidBlockError, InvalidCidError, InvalidRangeError, UploadAbortedError } from './errors';
import type { HeliaNode, ImportFormat, PinType } from './helia';
import { KUBO_CHUNK_SIZE, MAX_BLOCK_SIZE, isUnixFs, parseCid } from './ipld';

/** A request the embedded node does not serve, or malformed for Kubo's API. */
export class RpcRequestError extends DatagoraError {
  constructor(problem: string) {
    super(problem, 'the embedded IPFS node serves the subset of the Kubo RPC API the market uses; see lib/storage/rpc.ts');
  }
}

/** pin/rm or pin/ls about a CID without a pin of that kind. */
export class NotPinnedError extends DatagoraError {
  constructor(message: string) {
    super(message, 'pin the content first (pin/add), or list the pins with pin/ls');
  }
}

interface RpcCall {
  node: HeliaNode;
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
  /** Aborted when the client goes away before the response is complete. */
  signal: AbortSignal;
}

type Command = (call: RpcCall) => Promise<void>;

const API_PREFIX = '/api/v0/';

/** Kubo's boolean options: absent → fallback, bare or "true" → true, "false" → false. */
function flag(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  if (value === null) return fallback;
  if (value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw new RpcRequestError(`option "${name}" must be true or false, not "${value}"`);
}

function integer(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new RpcRequestError(`option "${name}" must be a non-negative integer, not "${value}"`);
  return number;
}

/** A CID argument, bare or as /ipfs/<cid>; paths below the root are not served. */
function cidFromPath(value: string): string {
  const cid = value.replace(/^\/ipfs\//, '');
  if (cid.includes('/')) throw new RpcRequestError(`"${value}": paths inside a DAG are not served, only a CID or /ipfs/<cid>`);
  return cid;
}

function cidArg(query: URLSearchParams): string {
  const arg = query.get('arg');
  if (arg === null) throw new RpcRequestError('argument "arg" is required');
  return cidFromPath(arg);
}

/** Refuses an option unless it is absent or has one of the values this node implements. */
function onlyValues(query: URLSearchParams, name: string, allowed: string[]): string | undefined {
  const value = query.get(name) ?? undefined;
  if (value !== undefined && !allowed.includes(value)) throw new RpcRequestError(`${name}=${value} is not supported (only ${allowed.join(', ')})`);
  return value;
}

/** Newline-delimited JSON, as Kubo streams add and pin/ls: headers go out with the first line. */
function ndjson(res: ServerResponse) {
  return {
    write(value: unknown): void {
      if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json', 'X-Chunked-Output': '1' });
      res.write(`${JSON.stringify(value)}\n`);
    },
    end(): void {
      if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end();
    },
  };
}

interface UploadedFile {
  name: string;
  content: Readable & { truncated?: boolean };
  /** Settles when the whole body has been parsed: whether more files followed (they are not read). */
  rest: Promise<{ extraFiles: boolean }>;
}

function decodedName(filename: string | undefined): string {
  try {
    return decodeURIComponent(filename ?? '');
  } catch {
    return filename ?? '';
  }
}

/** The first file of a multipart body (what kubo-rpc-client sends to add and block/put), as it streams in. */
function uploadedFile(call: RpcCall, limits: { fileSize?: number } = {}): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: call.req.headers, limits: { files: 1, ...limits } });
    } catch (cause) {
      reject(new RpcRequestError(`expected a multipart/form-data body (${cause instanceof Error ? cause.message : String(cause)})`));
      return;
    }
    let extraFiles = false;
    parser.on('filesLimit', () => (extraFiles = true));
    const rest = new Promise<{ extraFiles: boolean }>((settle) => parser.once('close', () => settle({ extraFiles })));
    parser.once('file', (_field, content, info) => resolve({ name: decodedName(info.filename), content, rest }));
    parser.once('close', () => reject(new RpcRequestError('the multipart body holds no file')));
    // A broken upload destroys the parser, which destroys the file stream being imported.
    pipeline(call.req, parser).catch(reject);
  });
}

/** Refuses a request that carried more than one file, once its body is parsed. */
async function assertSingleFile(file: UploadedFile, stored: string): Promise<void> {
  if ((await file.rest).extraFiles) throw new RpcRequestError(`one file per request: only the first was stored (${stored})`);
}

/** A busboy file stream whole, for a block (busboy stops at `fileSize` and marks the stream truncated). */
async function blockFromUpload(file: UploadedFile): Promise<Uint8Array> {
  const bytes = await concatBytes(file.content);
  if (file.content.truncated) throw new InvalidBlockError(`over the ${MAX_BLOCK_SIZE}-byte block limit`);
  return bytes;
}

/** Kubo's add options as an import format; anything that would change the CIDs otherwise is refused. */
function importFormat(query: URLSearchParams): ImportFormat {
  const cidVersion = onlyValues(query, 'cid-version', ['0', '1']) === '1' ? 1 : 0;
  onlyValues(query, 'chunker', [`size-${KUBO_CHUNK_SIZE}`]);
  onlyValues(query, 'hash', ['sha2-256']);
  for (const unsupported of ['trickle', 'wrap-with-directory', 'only-hash', 'inline', 'nocopy']) {
    if (flag(query, unsupported, false)) throw new RpcRequestError(`option "${unsupported}" is not supported`);
  }
  // Kubo's defaults: CIDv0 unless asked, and raw leaves exactly when CIDv1.
  return { cidVersion, rawLeaves: flag(query, 'raw-leaves', cidVersion === 1) };
}

const add: Command = async (call) => {
  const format = importFormat(call.query);
  const pin = flag(call.query, 'pin', true);
  const progress = flag(call.query, 'progress', false);
  const file = await uploadedFile(call);
  const lines = ndjson(call.res);
  let reported = 0;
  const onProgress = progress
    ? (bytes: number) => {
        if (bytes - reported < KUBO_CHUNK_SIZE) return;
        reported = bytes;
        lines.write({ Name: '', Bytes: bytes });
      }
    : undefined;
  const result = await call.node.add(file.content, { format, pin, onProgress, signal: call.signal });
  await assertSingleFile(file, result.cid);
  if (progress && reported !== result.size) lines.write({ Name: '', Bytes: result.size });
  // Kubo's Size is the whole DAG's (file bytes plus dag-pb nodes), as a string.
  lines.write({ Name: file.name || result.cid, Hash: result.cid, Size: String(result.dagSize) });
  lines.end();
};

const cat: Command = async (call) => {
  const cid = cidArg(call.query);
  const chunks = call.node.cat(cid, { offset: integer(call.query, 'offset'), length: integer(call.query, 'length'), signal: call.signal });
  const iterator = chunks[Symbol.asyncIterator]();
  // Pull the first chunk before answering, so a missing CID still gets its 404.
  const first = await iterator.next();
  call.res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Stream-Output': '1' });
  async function* rest() {
    if (first.done) return;
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  await pipeline(Readable.from(rest()), call.res);
};

const pinAdd: Command = async (call) => {
  const cid = cidArg(call.query);
  await call.node.pin(cid, { recursive: flag(call.query, 'recursive', true) });
  send(call.res, 200, { Pins: [cid] });
};

const pinRm: Command = async (call) => {
  const cid = cidArg(call.query);
  const type = await call.node.pinType(cid);
  if (type !== 'recursive' && type !== 'direct') throw new NotPinnedError(`${cid} is not pinned or pinned indirectly`);
  await call.node.unpin(cid);
  send(call.res, 200, { Pins: [cid] });
};

const pinLs: Command = async (call) => {
  const wanted = onlyValues(call.query, 'type', ['all', 'recursive', 'direct', 'indirect']) ?? 'all';
  const matches = (type: PinType) => wanted === 'all' || wanted === type;
  const stream = flag(call.query, 'stream', false);
  const args = call.query.getAll('arg').map(cidFromPath);
  async function* listed(): AsyncIterable<{ cid: string; type: PinType }> {
    if (args.length === 0) {
      for await (const pin of call.node.pins()) if (matches(pin.type)) yield pin;
      return;
    }
    for (const cid of args) {
      const type = await call.node.pinType(cid);
      if (!type || !matches(type)) throw new NotPinnedError(`path '${cid}' is not pinned${wanted === 'all' ? '' : ` as ${wanted}`}`);
      yield { cid, type };
    }
  }
  if (stream) {
    const lines = ndjson(call.res);
    for await (const { cid, type } of listed()) lines.write({ Cid: cid, Type: type });
    lines.end();
    return;
  }
  const keys: Record<string, { Type: PinType }> = {};
  for await (const { cid, type } of listed()) keys[cid] = { Type: type };
  send(call.res, 200, { Keys: keys });
};

const filesStat: Command = async (call) => {
  const arg = call.query.get('arg') ?? '';
  if (!arg.startsWith('/ipfs/')) throw new RpcRequestError(`"${arg}": only /ipfs/<cid> paths are served (there is no MFS)`);
  const cid = cidFromPath(arg);
  if (!isUnixFs(await parseCid(cid))) throw new RpcRequestError(`${cid} is not a UnixFS file: use block/stat`);
  const stat = await call.node.stat(cid);
  send(call.res, 200, { Hash: cid, Size: stat.size, Type: 'file' });
};

const blockPut: Command = async (call) => {
  const codec = onlyValues(call.query, 'cid-codec', ['dag-json']) ?? onlyValues(call.query, 'format', ['dag-json']);
  if (!codec) throw new RpcRequestError('the embedded node stores dag-json blocks only: pass cid-codec=dag-json (or format=dag-json)');
  onlyValues(call.query, 'mhtype', ['sha2-256']);
  onlyValues(call.query, 'version', ['1']);
  const pin = flag(call.query, 'pin', false);
  const file = await uploadedFile(call, { fileSize: MAX_BLOCK_SIZE });
  const bytes = await blockFromUpload(file);
  const cid = await call.node.putBlock(bytes, 'dag-json', { pin });
  await assertSingleFile(file, cid);
  send(call.res, 200, { Key: cid, Size: bytes.byteLength });
};

const blockGet: Command = async (call) => {
  const bytes = await call.node.getBlock(cidArg(call.query));
  call.res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.byteLength });
  call.res.end(bytes);
};

const blockStat: Command = async (call) => {
  const cid = cidArg(call.query);
  send(call.res, 200, { Key: cid, Size: (await call.node.getBlock(cid)).byteLength });
};

const id: Command = async (call) => {
  const { identity, version } = call.node;
  send(call.res, 200, {
    ID: identity.peerId,
    PublicKey: Buffer.from(identity.publicKey).toString('base64'),
    // A light node has no libp2p: nothing to dial.
    Addresses: [],
    AgentVersion: `datagora/helia-${version}`,
    ProtocolVersion: 'ipfs/0.1.0',
    Protocols: [],
  });
};

const version: Command = async (call) => {
  send(call.res, 200, { Version: call.node.version, Commit: '', Repo: '', System: `${process.arch}/${process.platform}`, Golang: '' });
};

const COMMANDS: Record<string, Command> = {
  add,
  cat,
  'pin/add': pinAdd,
  'pin/rm': pinRm,
  'pin/ls': pinLs,
  'files/stat': filesStat,
  'block/put': blockPut,
  'block/get': blockGet,
  'block/stat': blockStat,
  id,
  version,
};

function statusOf(error: unknown): number {
  if (error instanceof ContentNotFoundError) return 404;
  const clientErrors = [RpcRequestError, NotPinnedError, InvalidCidError, InvalidBlockError, InvalidRangeError, UploadAbortedError];
  return clientErrors.some((type) => error instanceof type) ? 400 : 500;
}

/** Answers with Kubo's error JSON, or cuts the stream when the response has begun (the client sees it fail). */
function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Code 1 is Kubo's "client error", 0 a "normal" one.
  send(res, status, { Message: message, Code: status >= 400 && status < 500 ? 1 : 0, Type: 'error' });
}

/** Answers one HTTP request to the node: a Kubo RPC command, or Kubo's error JSON. `log` gets internal failures. */
export async function serveKuboRpc(node: HeliaNode, req: IncomingMessage, res: ServerResponse, log: (line: string) => void): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const command = url.pathname.startsWith(API_PREFIX) ? COMMANDS[url.pathname.slice(API_PREFIX.length)] : undefined;
  if (!command) return sendError(res, 404, `${url.pathname} is not served by the embedded IPFS node`);
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return sendError(res, 405, 'the Kubo RPC API only accepts POST');
  }
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new UploadAbortedError());
  });
  try {
    await command({ node, query: url.searchParams, req, res, signal: controller.signal });
  } catch (error) {
    const status = statusOf(error);
    const message = error instanceof Error ? error.message : String(error);
    if (status === 500 && !controller.signal.aborted) log(`${url.pathname} failed: ${error instanceof Error ? (error.stack ?? message) : message}`);
    sendError(res, status, message);
  }
}
