/**
 * The dataset document: what an owner says about a dataset, where its ciphertext lives and the envelope of its
 * key. Schemas validate without transforming, so a parsed document hashes exactly like the one that was signed.
 */
import { isAddress, type Address, type Hex } from 'viem';
import { z } from 'zod';
import { ciphertextSize, ENCRYPTION_SCHEME, isChunkSize } from '../crypto';
import { LONE_SURROGATE } from './characters';
import { isCid, isMetadataCid } from './cid';

const MAX_UINT256 = 2n ** 256n - 1n;
const MAX_UINT32 = 2 ** 32 - 1;

/** A uint256 as a decimal string (JSON has no 256-bit integers). */
const uint256Decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,77})$/, 'must be a decimal integer without leading zeros')
  .refine((value) => BigInt(value) <= MAX_UINT256, 'must fit in a uint256');

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 as 64 lower-case hex characters');
// The metadata gives JSON Schema (the Ceramic model) what the check itself says.
const address = z
  .custom<Address>((value) => typeof value === 'string' && isAddress(value), 'must be an EVM address (checksummed or lower-case)')
  .meta({ type: 'string', pattern: '^0x[0-9a-fA-F]{40}$' });
const timestamp = z.iso.datetime({ message: 'must be an ISO 8601 UTC timestamp like 2026-11-23T12:00:00.000Z' });
const byteCount = z.number().int().nonnegative();

// Tab is whitespace anywhere; line breaks only in multi-line text. Every other C0 or C1 control is refused: Postgres
// cannot store NUL, and terminals and pages act on the rest (ESC sequences, backspace).
const CONTROL_IN_LINE = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F]/;
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LONE_SURROGATE_PATTERN = new RegExp(LONE_SURROGATE);

const codePoint = (char: string) => `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Why `text` cannot be stored and shown as it is, or undefined: it holds a control character (tab is allowed,
 * and line feed and carriage return in `multiline` text) or a lone surrogate.
 */
export function unsafeCharacter(text: string, multiline = false): string | undefined {
  const control = (multiline ? CONTROL_IN_TEXT : CONTROL_IN_LINE).exec(text);
  if (control) return `must not contain control character ${codePoint(control[0])} (${multiline ? 'tab and line breaks are' : 'only tab is'} allowed)`;
  const lone = LONE_SURROGATE_PATTERN.exec(text);
  if (lone) return `must not contain a lone surrogate ${codePoint(lone[0])} (half of a UTF-16 pair, not Unicode)`;
  return undefined;
}

/** A string of one line (`line`) or of several (`text`), refused if it holds an unsafe character. */
const safeString = (multiline: boolean) =>
  z.string().superRefine((value, ctx) => {
    const problem = unsafeCharacter(value, multiline);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const line = (max: number) => safeString(false).max(max);
const text = (max: number, message?: string) => safeString(true).max(max, message);
const notBlank = (max: number) => line(max).min(1).regex(/\S/, 'must not be blank');

/** Deepest nesting of the key network's conditions: Lit's are 5 levels deep, and databases limit JSON depth. */
const MAX_CONDITION_DEPTH = 32;

/** An object literal or JSON.parse's object, from any realm (a Ceramic stream's content comes from another). */
function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || Object.prototype.hasOwnProperty.call(prototype, 'isPrototypeOf');
}

/**
 * Why `value` is not plain JSON (null, booleans, finite numbers, safe strings, arrays and plain objects) nested at
 * most `maxDepth` levels, or undefined. Iterative, so a hostile depth cannot overflow the stack.
 */
function jsonProblem(value: unknown, maxDepth: number): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item))) continue;
    if (typeof item === 'string') {
      const problem = unsafeCharacter(item, true);
      if (problem) return `strings ${problem}`;
      continue;
    }
    if (!Array.isArray(item) && !isPlainObject(item)) return 'must be plain JSON values';
    if (depth > maxDepth) return `must nest at most ${maxDepth} levels deep`;
    for (const [key, child] of Object.entries(item as object)) {
      const problem = Array.isArray(item) ? undefined : unsafeCharacter(key);
      if (problem) return `keys ${problem}`;
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/** A short format name ('csv', 'parquet') or a media type ('application/vnd.apache.parquet'). */
const format = z
  .string()
  .max(100)
  .regex(/^[a-z0-9][a-z0-9.+-]*(\/[a-z0-9][a-z0-9.+-]*)?$/, 'must be a lower-case short name like csv or a media type like text/csv');

/** The data key, wrapped by the key network so that only licence holders can have it released. */
export const keyEnvelopeSchema = z.strictObject({
  network: z.enum(['local', 'lit']),
  ciphertext: line(65_536).min(1),
  dataToEncryptHash: sha256Hex,
  chain: line(64).min(1),
  // Kept generic (the key network owns their shape), but they must be plain JSON to be signed and stored.
  evmContractConditions: z
    .array(z.unknown())
    .min(1)
    .max(32)
    .superRefine((conditions, ctx) => {
      const problem = jsonProblem(conditions, MAX_CONDITION_DEPTH);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});

export const datasetColumnSchema = z.strictObject({
  name: notBlank(128),
  /** The column's type as the file states or the profiler infers it ('number', 'int64', 'timestamp[ms]', …). */
  type: line(64).min(1),
  description: text(500).optional(),
});

/** Sample rows the owner chooses to show publicly. */
export const datasetPreviewSchema = z.strictObject({
  format: z.enum(['csv', 'jsonl', 'text']),
  content: text(16 * 1024, 'must be at most 16 Ki characters'),
});

export const datasetContentSchema = z.strictObject({
  /** The encrypted file on IPFS. */
  cid: z.string().refine(isCid, 'must be a CIDv0 (Qm…) or a base32 CIDv1'),
  /** Ciphertext bytes. */
  size: byteCount,
  /** Plaintext bytes per encrypted chunk. */
  chunkSize: z.number().refine(isChunkSize, 'must be a power of two from 4096 to 16777216'),
  encryption: z.literal(ENCRYPTION_SCHEME),
});

/**
 * How compute-to-data jobs may use the dataset. `algorithms`: `templates` runs only the analysis templates its
 * providers ship (the buyer sends parameters, never code); `approved` runs only algorithms whose hash the owner
 * approved on ComputeMarket; `any` runs any algorithm under the output guard and the dataset's byte budget. The
 * output guard applies to compute-only datasets: a cap on outputs plus logs, verbatim-leak detection and an
 * optional minimum group size (for templates, the least rows behind any released group).
 */
export const computePolicySchema = z.strictObject({
  algorithms: z.enum(['templates', 'approved', 'any']),
  outputGuard: z.strictObject({
    maxOutputBytes: z.number().int().positive().max(2 ** 40),
    leakDetection: z.boolean(),
    minGroupSize: z.number().int().min(2).max(1_000_000).optional(),
  }),
});

export const datasetDocumentSchema = z
  .strictObject({
    /** The registry's id for the dataset (its data NFT's token id). */
    datasetId: uint256Decimal,
    /** 1 for the first document; each anchored update adds one. */
    version: z.number().int().min(1).max(MAX_UINT32),
    /** CID of the version this one replaces (an IPFS block or a Ceramic commit); null for version 1. */
    previous: z.string().refine(isMetadataCid, 'must be a metadata CID (base32 CIDv1, dag-json or dag-jose, sha2-256)').nullable(),
    /** The account that signs this version: the dataset's owner. */
    publisher: address,
    title: notBlank(200),
    description: text(10_000).optional(),
    tags: z
      .array(notBlank(40))
      .max(20)
      .refine((tags) => new Set(tags).size === tags.length, 'must not repeat a tag'),
    format,
    columns: z.array(datasetColumnSchema).max(500).optional(),
    /** Plaintext bytes. */
    size: byteCount,
    rowCount: byteCount.optional(),
    preview: datasetPreviewSchema.optional(),
    /** The licence terms' id in the registry. */
    termsId: uint256Decimal,
    content: datasetContentSchema,
    /** SHA-256 of the plaintext, checked after every download. */
    plaintextSha256: sha256Hex,
    key: keyEnvelopeSchema,
    /** Absent: any algorithm, with the default output guard. */
    compute: computePolicySchema.optional(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .superRefine((document, ctx) => {
    if ((document.version === 1) !== (document.previous === null)) {
      ctx.addIssue({ code: 'custom', path: ['previous'], message: 'must be null for version 1 and the replaced version’s CID after' });
    }
    if (Date.parse(document.updatedAt) < Date.parse(document.createdAt)) {
      ctx.addIssue({ code: 'custom', path: ['updatedAt'], message: 'must not be before createdAt' });
    }
    // Refinements run even when fields failed, so only compare sizes that are valid on their own.
    const { size, content } = document;
    if (!Number.isSafeInteger(size) || size < 0 || !isChunkSize(content.chunkSize)) return;
    const expected = ciphertextSize(size, content.chunkSize);
    if (content.size !== expected) {
      ctx.addIssue({ code: 'custom', path: ['content', 'size'], message: `must be ${expected}: the ciphertext size of ${size} bytes in ${content.chunkSize}-byte chunks` });
    }
  });

/** Format tag of the stored block, naming the layout below. */
export const SIGNED_DATASET_FORMAT = 'datagora/signed-dataset/v1';

/** The stored block: a document, the EIP-712 domain it was signed for, its signer and signature. */
export const signedDatasetSchema = z.strictObject({
  /** Names this layout, so a reader knows how to verify it. */
  format: z.literal(SIGNED_DATASET_FORMAT),
  document: datasetDocumentSchema,
  domain: z.strictObject({
    name: z.literal('Datagora'),
    version: z.literal('1'),
    chainId: z.number().int().positive(),
    verifyingContract: address,
  }),
  signer: address,
  signature: z
    .custom<Hex>((value) => typeof value === 'string' && /^0x[0-9a-fA-F]{130}$/.test(value), 'must be a 65-byte hex signature')
    .meta({ type: 'string', pattern: '^0x[0-9a-fA-F]{130}$' }),
});

export type KeyEnvelope = z.infer<typeof keyEnvelopeSchema>;
export type DatasetColumn = z.infer<typeof datasetColumnSchema>;
export type DatasetPreview = z.infer<typeof datasetPreviewSchema>;
export type DatasetContent = z.infer<typeof datasetContentSchema>;
export type ComputePolicy = z.infer<typeof computePolicySchema>;
export type DatasetDocument = z.infer<typeof datasetDocumentSchema>;
export type SignedDataset = z.infer<typeof signedDatasetSchema>;

/** zod issues as one readable line: `path: message; …`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'document'}: ${issue.message}`).join('; ');
}
