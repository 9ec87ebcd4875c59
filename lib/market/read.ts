/** Reading a file to publish: its size once checked, then fixed-size chunks into two buffers used in turn. */
import { accessSync, constants, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_CHUNK_SIZE } from '../crypto';
import { FileError } from './errors';

function unreadable(file: string, error: unknown): FileError {
  return new FileError(`cannot read ${file}: ${(error as Error).message}`, 'check the path and its permissions', { cause: error });
}

/** The size of `file`, a regular file this process may read; FileError otherwise. */
export function fileSize(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new FileError(`${file} is not a file`, 'give the path of a regular file');
    accessSync(file, constants.R_OK);
    return stat.size;
  } catch (error) {
    if (error instanceof FileError) throw error;
    throw unreadable(file, error);
  }
}

/** `length` bytes from `position` into `buffer`, fewer only at the end of the file. */
async function fill(file: string, handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
  let filled = 0;
  try {
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
  } catch (error) {
    throw unreadable(file, error);
  }
  return filled;
}

function changed(file: string, size: number, now: string): FileError {
  return new FileError(`${file} changed while it was read: it was ${size} bytes, ${now}`, 'publish it again once nothing writes to it');
}

/**
 * The `size` bytes of `file` in chunks of `chunkSize` (the last may be shorter), each a view valid until the
 * next is asked for: the next chunk is read into the other buffer while this one is worked on. A fresh buffer
 * per chunk, as fs streams allocate, makes V8 collect garbage every few dozen MB (a full collection, costly in
 * a large process) for nothing. Throws FileError when the file does not hold exactly `size` bytes.
 */
export async function* fileChunks(file: string, size: number, chunkSize: number): AsyncGenerator<Uint8Array, void, undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw unreadable(file, error);
  }
  const length = (position: number) => Math.min(chunkSize, size - position);
  const buffers = [Buffer.allocUnsafe(length(0)), Buffer.allocUnsafe(length(0))] as const;
  const readAhead = (buffer: Buffer, position: number) => {
    const read = fill(file, handle, buffer, length(position), position);
    // Awaited when its turn comes; a failure meanwhile is not unhandled.
    read.catch(() => undefined);
    return read;
  };
  let reading = size > 0 ? readAhead(buffers[0], 0) : undefined;
  try {
    for (let position = 0, turn = 0; position < size; turn = 1 - turn) {
      const read = await reading!;
      reading = undefined;
      if (read < length(position)) throw changed(file, size, `it ended after ${position + read}`);
      const next = position + read;
      // Into the buffer yielded last time: asking for this chunk means the consumer is done with it.
      if (next < size) reading = readAhead(buffers[1 - turn]!, next);
      yield buffers[turn]!.subarray(0, read);
      position = next;
    }
    if ((await fill(file, handle, Buffer.alloc(1), 1, size)) > 0) throw changed(file, size, 'it has grown');
  } finally {
    // A read still in flight (the consumer stopped early) must end before the handle closes.
    await reading?.catch(() => undefined);
    await handle.close();
  }
}

/** A file to publish as the market's flows read it: its base name, size (checked readable) and chunks. */
export function fileSource(file: string): { name: string; size: number; chunks(): AsyncIterable<Uint8Array> } {
  const size = fileSize(file);
  return { name: path.basename(file), size, chunks: () => fileChunks(file, size, DEFAULT_CHUNK_SIZE) };
}
