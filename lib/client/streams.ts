/** Byte streams in the page: a web ReadableStream as chunks, and a file from the web app's IPFS gateway. */

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
