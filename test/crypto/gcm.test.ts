import * as node from 'node:crypto';
import { generateDataKey } from '@/lib/crypto';
import { chunkIv, newHeader } from '@/lib/crypto/format';
import { nodeChunkCipher, webChunkCipher, type ChunkCipher } from '@/lib/crypto/gcm';
import { randomData } from './bytes';

/** The two ciphers of one stream: Node's (what the SDK and the CLI use) and WebCrypto's (what browsers use). */
async function ciphers(): Promise<{ nodeCipher: ChunkCipher; webCipher: ChunkCipher }> {
  const dataKey = Uint8Array.from(generateDataKey());
  const header = newHeader(4096);
  return { nodeCipher: nodeChunkCipher(node, dataKey, header), webCipher: await webChunkCipher(dataKey, header) };
}

async function sealed(cipher: ChunkCipher, iv: Uint8Array<ArrayBuffer>, plaintext: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return Uint8Array.from(Buffer.concat(await cipher.seal(iv, plaintext)));
}

describe('the chunk ciphers', () => {
  it.each([0, 1, 4095, 4096])('seal %i bytes to the same ciphertext on Node and in the browser, and open each other’s', async (size) => {
    const { nodeCipher, webCipher } = await ciphers();
    const iv = chunkIv(randomData(7), 3, size < 4096);
    const plaintext = Uint8Array.from(randomData(size));
    const fromNode = await sealed(nodeCipher, iv, plaintext);
    expect(Buffer.from(fromNode).equals(await sealed(webCipher, iv, plaintext))).toBe(true);
    expect(Buffer.from(await webCipher.open(iv, fromNode)).equals(plaintext)).toBe(true);
    expect(Buffer.from(await nodeCipher.open(iv, fromNode)).equals(plaintext)).toBe(true);
  });

  it('both refuse a chunk with a flipped bit or another chunk’s IV', async () => {
    const { nodeCipher, webCipher } = await ciphers();
    const iv = chunkIv(randomData(7), 0, false);
    const chunk = await sealed(nodeCipher, iv, Uint8Array.from(randomData(100)));
    const flipped = Uint8Array.from(chunk);
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    const elsewhere = chunkIv(randomData(7), 0, true);
    for (const cipher of [nodeCipher, webCipher]) {
      await expect(cipher.open(iv, flipped)).rejects.toThrow();
      await expect(cipher.open(elsewhere, chunk)).rejects.toThrow();
    }
  });

  it('reads the plaintext before seal returns, so the caller may reuse its buffer at once', async () => {
    const { nodeCipher, webCipher } = await ciphers();
    const iv = chunkIv(randomData(7), 0, true);
    const plaintext = Uint8Array.from(randomData(4096));
    const expected = await sealed(nodeCipher, iv, plaintext);
    for (const cipher of [nodeCipher, webCipher]) {
      const buffer = Uint8Array.from(plaintext);
      const pending = cipher.seal(iv, buffer);
      buffer.fill(0xee);
      expect(Buffer.concat(await pending).equals(expected)).toBe(true);
    }
  });
});
