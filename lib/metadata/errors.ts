import { DatagoraError } from '../errors';
import { BIDI_CONTROLS, LONE_SURROGATE } from './characters';

/** Controls, bidi overrides and lone surrogates: characters that corrupt a terminal, a log or a stored row. */
const UNPRINTABLE = new RegExp(`[\\u0000-\\u001F\\u007F-\\u009F${BIDI_CONTROLS}]|${LONE_SURROGATE}`, 'g');

/**
 * `text` safe to print, log and store, whoever wrote it: those characters escaped as `\uXXXX`, and at most `max`
 * characters. Error messages that quote a document or a database answer go through it.
 */
export function printable(text: string, max = 2_000): string {
  const escaped = text.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}

/** A CID or on-chain metadata pointer that cannot name a metadata document. */
export class MetadataCidError extends DatagoraError {
  constructor(value: string, problem: string) {
    super(`invalid metadata CID or pointer ${value}: ${problem}`, 'metadata versions are CIDv1 (sha2-256) in base32: dag-json blocks (bagu…) or Ceramic commits (bagcq…); check the value you passed or read');
  }
}

/** A document the caller wants to publish breaks the dataset document schema. */
export class InvalidDocumentError extends DatagoraError {
  constructor(problems: string) {
    super(`invalid dataset document: ${printable(problems)}`, 'fix the fields named above before signing and storing the document');
  }
}

/** A stored block is not a well-formed signed dataset document. */
export class MalformedMetadataError extends DatagoraError {
  constructor(cid: string, problem: string, cause?: unknown) {
    super(`metadata ${printable(cid)} is malformed: ${printable(problem)}`, 'this CID does not hold a Datagora dataset document; check the CID, or ask the owner to publish a valid version', {
      cause,
    });
  }
}

/** A document's signature is invalid, by someone other than its publisher, or for another chain or registry. */
export class MetadataSignatureError extends DatagoraError {
  constructor(cid: string, problem: string, cause?: unknown) {
    super(`metadata ${printable(cid)} fails verification: ${printable(problem)}`, 'do not trust this document: it was altered or not signed by its publisher for this registry', { cause });
  }
}

/** The block store could not store or return a metadata block, or answered with the wrong CID. */
export class MetadataStoreError extends DatagoraError {
  constructor(problem: string, cause?: unknown) {
    super(
      problem,
      // The storage layer's own advice (e.g. how to start the node) is the most useful when there is some.
      cause instanceof DatagoraError ? cause.hint : 'check that the storage node is running and holds the CID (datagora status)',
      { cause },
    );
  }
}

/** What the registry anchors for a dataset disagrees with the loaded document. */
export class AnchorMismatchError extends DatagoraError {
  constructor(
    readonly reason: 'pointer' | 'dataset' | 'version' | 'publisher',
    problem: string,
  ) {
    super(problem, 'do not trust this document for this dataset: reload it from the pointer the registry holds now');
  }
}
