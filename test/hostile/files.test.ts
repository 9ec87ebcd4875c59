/**
 * Issue 16: hostile files through what publishing reads from them, generated. CSV and JSON lines with NUL,
 * control characters, invalid UTF-8 and encoded surrogates, bidi overrides, CR/LF/CRLF mixes, unbalanced
 * quotes, huge fields, 10,000 columns, empty lines, BOMs, emoji and HTML, fed in chunks of any size through
 * format detection, the profiler (columns, row count, preview) and the dataset page's preview table. Every
 * file ends in a typed refusal or in a profile whose strings are all visible text and whose document the
 * schema accepts.
 */
import fc from 'fast-check';
import { previewTable } from '@/components/dataset/preview-table';
import { parseEnvelope } from '@/lib/access/envelope';
import { ciphertextSize, DEFAULT_CHUNK_SIZE, ENCRYPTION_SCHEME } from '@/lib/crypto';
import { firstVersion } from '@/lib/market/document';
import { assertPublishable, EmptyFileError, FileProfiler, formatOf, HEAD_BYTES, isTabular, type FileProfile } from '@/lib/market/files';
import { datasetDocumentSchema, describeIssues } from '@/lib/metadata/schema';
import { sampleDocument } from '../metadata/fixtures';
import { FUZZ } from './fuzz';

const encoder = new TextEncoder();
const char = (code: number) => String.fromCharCode(code);

// ------------------------------------------------------------------ what a hostile file is made of

const controlCharacter = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map(char);
const bidiControl = fc.constantFrom('\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C');
/** Written as UTF-8, a lone surrogate becomes U+FFFD; the raw bytes below carry the encoded ones. */
const loneSurrogate = fc.oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff })).map(char);
const emoji = fc.constantFrom('😀', '👩‍💻', '🏳️‍🌈', '🇩🇪', 'e\u0301', '\uFEFF', '\u200B', '𝕏', 'ﷺ', '\u2028', '\u2029');
const markup = fc.constantFrom('<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>', '&lt;&#0;', '{"__proto__":{"x":1}}', '=cmd|"/c calc"!A1');
const lineBreak = fc.constantFrom('\n', '\r\n', '\r');

/** Bytes no UTF-8 encoder writes: a stray continuation, an overlong NUL, an encoded surrogate, a cut sequence. */
const invalidUtf8 = fc
  .oneof(
    fc.constantFrom([0xff], [0xfe, 0xff], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]),
    fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 4 }),
  )
  .map((bytes) => Uint8Array.from(bytes));
/** Now and then, after a line: most files stay valid UTF-8, so their previews are built and checked too. */
const sometimesInvalidUtf8 = fc.oneof({ weight: 19, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: invalidUtf8 });

const hostileText = fc
  .array(fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 }), controlCharacter, bidiControl, loneSurrogate, emoji, markup, fc.constantFrom('"', '""', ',', '\t')), {
    maxLength: 6,
  })
  .map((pieces) => pieces.join(''));

/** A field longer than the preview, or than the head the profiler reads. */
const hugeField = fc.integer({ min: 17_000, max: 70_000 }).map((n) => 'x'.repeat(n));

/** A CSV cell: plain, hostile, quoted (with commas, doubled quotes and line breaks inside), unbalanced, or all controls. */
const csvCell = fc.oneof(
  { weight: 12, arbitrary: hostileText },
  { weight: 4, arbitrary: fc.tuple(hostileText, lineBreak, hostileText).map(([a, br, b]) => `"${a.replaceAll('"', '""')},${br}${b.replaceAll('"', '""')}"`) },
  { weight: 2, arbitrary: hostileText.map((text) => `"${text}`) },
  { weight: 2, arbitrary: fc.oneof(fc.double(), fc.integer(), fc.boolean()).map(String) },
  { weight: 1, arbitrary: fc.array(controlCharacter.filter((c) => c !== '\0'), { minLength: 10, maxLength: 60 }).map((controls) => controls.join('')) },
);

/** Text pieces and raw bytes, in order: the file is their concatenation. */
type Piece = string | Uint8Array;

function fileOf(pieces: Piece[]): Uint8Array {
  const parts = pieces.map((piece) => (typeof piece === 'string' ? encoder.encode(piece) : piece));
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

const bom = fc.constantFrom('', '', '\uFEFF');

const csvFile = fc
  .tuple(
    bom,
    fc.oneof({ weight: 9, arbitrary: fc.array(csvCell, { maxLength: 12 }) }, { weight: 1, arbitrary: fc.integer({ min: 400, max: 10_000 }).map((n) => Array.from({ length: n }, (_, i) => String.fromCharCode(0x61 + (i % 26)))) }),
    fc.array(fc.tuple(fc.array(csvCell, { maxLength: 12 }), lineBreak, sometimesInvalidUtf8, fc.boolean()), { maxLength: 30 }),
    fc.option(fc.tuple(fc.nat(), hugeField), { freq: 5 }),
  )
  .map(([mark, header, rows, huge]) => {
    if (huge) (huge[0] % 4 === 0 ? header : (rows[huge[0] % (rows.length || 1)]?.[0] ?? header)).push(huge[1]);
    const pieces: Piece[] = [mark, header.join(','), '\n'];
    for (const [cells, br, bytes, emptyLineAfter] of rows) {
      pieces.push(cells.join(','));
      if (bytes) pieces.push(bytes);
      pieces.push(br, emptyLineAfter ? br : '');
    }
    return fileOf(pieces);
  });

/** A JSON line: an object with hostile keys and values (escaped by JSON), a broken line, or raw hostile text. */
const jsonLine = fc.oneof(
  { weight: 15, arbitrary: fc.dictionary(hostileText, fc.oneof(hostileText, fc.double(), fc.boolean(), fc.constant(null), fc.array(hostileText, { maxLength: 3 })), { maxKeys: 8 }).map((o) => JSON.stringify(o)) },
  { weight: 6, arbitrary: hostileText },
  { weight: 3, arbitrary: hostileText.map((text) => `{"a": "${text}`) },
  { weight: 1, arbitrary: hugeField.map((big) => JSON.stringify({ big })) },
);

const jsonLinesFile = fc
  .tuple(bom, fc.array(fc.tuple(jsonLine, lineBreak, sometimesInvalidUtf8), { maxLength: 30 }))
  .map(([mark, lines]) => fileOf([mark, ...lines.flatMap(([line, br, bytes]): Piece[] => (bytes ? [line, bytes, br] : [line, br]))]));

/** A file and where the stream cuts it into chunks (inside a CRLF or a character too). */
const chunked = (file: fc.Arbitrary<Uint8Array>) => fc.tuple(file, fc.array(fc.nat(), { maxLength: 6 })).map(([bytes, cuts]) => ({ bytes, cuts: cuts.map((cut) => cut % (bytes.length + 1)).sort((a, b) => a - b) }));

// ------------------------------------------------------------------ the property

/** Characters no document string may hold: C0 controls but tab and line feed, DEL, C1, bidi controls, unpaired surrogates. */
const INVISIBLE = /[\p{Cc}\p{Cs}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** `path: U+…` for each invisible character in the strings, but those `allowed` at their path. */
function invisibleIn(strings: Array<[string, string]>, allowed: (path: string) => string): string[] {
  return strings.flatMap(([path, text]) =>
    [...text].filter((c) => INVISIBLE.test(c) && !allowed(path).includes(c)).map((c) => `${path}: U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`),
  );
}

/** Every string in `value`, with its path. */
function stringsOf(value: unknown, path = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringsOf(item, `${path}.${i}`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => [...stringsOf(key, `${path}.<key>`), ...stringsOf(item, `${path}.${key}`)]);
  return [];
}

const PUBLISHER = '0x0000000000000000000000000000000000000002';
const ENVELOPE = parseEnvelope(sampleDocument(PUBLISHER).key, 'local');

/** The first version's document as publishing signs it, checked by the schema every reader applies. */
function documentProblems(profile: FileProfile, size: number): string | undefined {
  const document = firstVersion({
    datasetId: 7n,
    publisher: PUBLISHER,
    info: { title: 'Hostile' },
    upload: { contentCid: 'bafkreifywp6btn53jgivs3smgwmeokpkffe5rktba2aer2eswj42ayoa24', contentSize: ciphertextSize(size, DEFAULT_CHUNK_SIZE), chunkSize: DEFAULT_CHUNK_SIZE, plaintextSha256: 'b'.repeat(64), size, profile },
    termsId: 1n,
    envelope: ENVELOPE,
  });
  expect(document.content.encryption).toBe(ENCRYPTION_SCHEME);
  const parsed = datasetDocumentSchema.safeParse(document);
  return parsed.success ? undefined : describeIssues(parsed.error);
}

function checkFile(name: string, { bytes, cuts }: { bytes: Uint8Array; cuts: number[] }, previewRows: number): void {
  try {
    assertPublishable(name, bytes.length);
  } catch (error) {
    expect(error).toBeInstanceOf(EmptyFileError);
    expect(bytes.length).toBe(0);
    return;
  }
  const profiler = new FileProfiler(formatOf(name), previewRows);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    profiler.observe(bytes.subarray(from, cut));
    from = cut;
  }
  const profile = profiler.profile();

  expect(invisibleIn(stringsOf(profile), (path) => (path === '.preview.content' ? '\t\n' : '\t'))).toEqual([]);
  expect({ file: name, problems: documentProblems(profile, bytes.length) }).toEqual({ file: name, problems: undefined });
  if (isTabular(formatOf(name)) && bytes.subarray(0, HEAD_BYTES).includes(0)) expect(profile).toEqual({ format: 'binary', binary: expect.stringMatching(/^NUL bytes in the (file|first 32 kB)$/) });
  if (profile.format === 'binary') expect(profile.preview ?? profile.columns ?? profile.rowCount).toBeUndefined();

  // What the dataset page lays out from that preview is visible text too.
  const table = profile.preview ? previewTable(profile.preview) : null;
  expect(invisibleIn(stringsOf(table), () => '\t')).toEqual([]);
}

describe('hostile files through format detection, profiling and the preview', () => {
  it('profiles hostile CSV into visible text the document schema accepts, or refuses it in words', () => {
    fc.assert(
      fc.property(chunked(csvFile), fc.integer({ min: 0, max: 20 }), (file, previewRows) => checkFile('data.csv', file, previewRows)),
      { ...FUZZ, numRuns: 300 },
    );
  });

  it('profiles hostile JSON lines the same way', () => {
    fc.assert(
      fc.property(chunked(jsonLinesFile), fc.integer({ min: 0, max: 20 }), (file, previewRows) => checkFile('events.jsonl', file, previewRows)),
      { ...FUZZ, numRuns: 300 },
    );
  });

  it('profiles any bytes under any name, empty files refused', () => {
    const name = fc.tuple(hostileText, fc.constantFrom('.csv', '.CSV', '.jsonl', '.ndjson', '.txt', '.parquet', '', '.csv.gz', '/x.csv', '.')).map(([stem, ext]) => `${stem}${ext}`);
    fc.assert(
      fc.property(name, chunked(fc.uint8Array({ maxLength: 4_096 })), fc.integer({ min: 0, max: 20 }), (fileName, file, previewRows) => checkFile(fileName, file, previewRows)),
      { ...FUZZ, numRuns: 300 },
    );
  });
});
