/**
 * Where the SDK puts a download: a file beside its destination, renamed into place only once the plaintext
 * matched the owner's hash, and removed otherwise.
 */
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PlaintextSink } from './actions/download';

/** `destination` is a file, or a directory to put the dataset's file (its ticket's name) in. */
export function fileSink(destination: string): PlaintextSink<string> {
  let target: string | undefined;
  const partial = () => `${target!}.partial`;
  return {
    async write(plaintext, ticket) {
      target = existsSync(destination) && statSync(destination).isDirectory() ? path.join(destination, ticket.fileName) : destination;
      await mkdir(path.dirname(path.resolve(target)), { recursive: true });
      await pipeline(plaintext, createWriteStream(partial()));
    },
    keep() {
      renameSync(partial(), target!);
      return target!;
    },
    discard() {
      if (target) rmSync(partial(), { force: true });
    },
  };
}
