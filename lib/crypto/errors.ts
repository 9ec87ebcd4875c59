import { DatagoraError } from '../errors';

/**
 * An encrypted stream failed its integrity checks: a bad header, or a chunk whose tag does not verify.
 * Truncation, reordering, chunks from another file, bit flips and a wrong key all end here.
 */
export class DecryptionError extends DatagoraError {
  /** Index of the chunk that failed (0 is the first after the header); null when the header itself is bad. */
  readonly chunk: number | null;

  constructor(problem: string, chunk: number | null, cause?: unknown) {
    super(
      chunk === null ? `encrypted stream header: ${problem}` : `encrypted chunk ${chunk}: ${problem}`,
      'the ciphertext is damaged, truncated or not this dataset’s, or the key is wrong: fetch it again and check its CID and key',
      { cause },
    );
    this.chunk = chunk;
  }
}

/** A data key is not 32 bytes. */
export class InvalidDataKeyError extends DatagoraError {
  constructor(length: number) {
    super(`a data key must be 32 bytes, got ${length}`, 'use generateDataKey(), or the key the key network released for this dataset');
  }
}

/** A chunk size outside 4 KiB … 16 MiB, or not a power of two. */
export class InvalidChunkSizeError extends DatagoraError {
  constructor(chunkSize: number) {
    super(`chunk size ${chunkSize} is not a power of two between 4 KiB and 16 MiB`, 'leave chunkSize out for the 1 MiB default, or pick e.g. 65536 or 4194304');
  }
}

/** A size that no encrypted stream can have, or a stream longer than 2^32 chunks. */
export class StreamSizeError extends DatagoraError {
  constructor(problem: string) {
    super(problem, 'check the size you passed (and the chunk size it was encrypted with); for more than 2^32 chunks use a larger chunk size');
  }
}

/** A SHA-256 tap was read before its source ended, or iterated twice. */
export class HashTapError extends DatagoraError {
  constructor(problem: string) {
    super(`SHA-256 tap: ${problem}`, 'iterate the tap once, to its end, before reading its digest');
  }
}
