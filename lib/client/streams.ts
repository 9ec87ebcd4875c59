/**
 * Byte streams in the page: a web ReadableStream as chunks, a file from the web app's IPFS gateway, and the
 * source and sink the market's publish and download flows take in a browser.
 */
import type { PlaintextSink } from '../market/actions/download';
import type { PlaintextSource } from '../market/actions/publish';

/** The chunks of `stream` as they arrive. */
export async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) yield read.value;
}

/** `cid` from the web app's gateway (/ipfs/<cid>), as it arrives; a refusal is the error `fail` makes of it. */
export async function* fromGateway(cid: string, fail: (message: string, hint: string) => Error): AsyncGenerator<Uint8Array> {
  const response = await fetch(`/ipfs/${cid}`);
  if (!response.ok || !response.body) throw fail(`the gateway answered HTTP ${response.status} for ${cid}`, 'check the IPFS node (/api/health) and retry');
  yield* chunksOf(response.body);
}

/** A file the visitor chose, as the market's publish flow reads it. */
export function fileSource(file: File): PlaintextSource {
  return { name: file.name, size: file.size, chunks: () => chunksOf(file.stream()) };
}

/** A download held in the page's memory and handed over as a File once verified. */
export function fileInMemory(): PlaintextSink<File> {
  let parts: Uint8Array[] = [];
  let name = '';
  return {
    async write(plaintext, ticket) {
      name = ticket.fileName;
      for await (const chunk of plaintext) parts.push(chunk);
    },
    keep: () => new File(parts as BlobPart[], name),
    discard: () => {
      parts = [];
    },
  };
}
