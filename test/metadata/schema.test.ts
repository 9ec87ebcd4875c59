import { devAccount } from '@/lib/chain';
import { datasetDocumentSchema, describeIssues, type DatasetDocument } from '@/lib/metadata';
import { nestedArrays } from '../helpers/hostile';
import { sampleDocument } from './fixtures';

const publisher = devAccount(1).address;
const valid = sampleDocument(publisher);

/** The one-line issues for `document`, or 'valid'. */
function issuesOf(document: unknown): string {
  const parsed = datasetDocumentSchema.safeParse(document);
  return parsed.success ? 'valid' : describeIssues(parsed.error);
}

const change = (overrides: Record<string, unknown>) => ({ ...valid, ...overrides });
const changeIn = <K extends 'content' | 'key'>(part: K, overrides: Record<string, unknown>) => ({ ...valid, [part]: { ...valid[part], ...overrides } });

describe('datasetDocumentSchema', () => {
  it('accepts a realistic document, and one with only the required fields', () => {
    expect(issuesOf(valid)).toBe('valid');
    const { description: _d, columns: _c, rowCount: _r, preview: _p, ...minimal } = valid;
    expect(issuesOf({ ...minimal, tags: [] })).toBe('valid');
  });

  it('accepts a later version that names its predecessor, and a media type as format', () => {
    const previous = 'baguqeerawq3ga5xt3nmclghtd7gsnq5xknypm3vokrbvnbkc3kgyhtvc5ita';
    expect(issuesOf(change({ version: 2, previous, format: 'application/vnd.apache.parquet' }))).toBe('valid');
  });

  it('parses without transforming, so the parsed document is the one that was signed', () => {
    expect(datasetDocumentSchema.parse(valid)).toEqual(valid);
  });

  it.each<[string, unknown, string]>([
    ['an empty title', change({ title: '' }), 'title: Too small'],
    ['a blank title', change({ title: '   ' }), 'title: must not be blank'],
    ['a 201-character title', change({ title: 'x'.repeat(201) }), 'title: Too big'],
    ['a description over 10k characters', change({ description: 'x'.repeat(10_001) }), 'description: Too big'],
    ['21 tags', change({ tags: Array.from({ length: 21 }, (_, i) => `tag${i}`) }), 'tags: Too big'],
    ['a 41-character tag', change({ tags: ['x'.repeat(41)] }), 'tags.0: Too big'],
    ['a repeated tag', change({ tags: ['a', 'a'] }), 'tags: must not repeat a tag'],
    ['a format with spaces', change({ format: 'CSV file' }), 'format: must be a lower-case short name'],
    ['a column without a name', change({ columns: [{ name: '', type: 'string' }] }), 'columns.0.name'],
    ['a negative size', change({ size: -1 }), 'size: Too small'],
    ['a fractional row count', change({ rowCount: 1.5 }), 'rowCount: Invalid input: expected int'],
    ['a preview over 16 KiB', change({ preview: { format: 'csv', content: 'x'.repeat(16 * 1024 + 1) } }), 'preview.content: must be at most 16 Ki characters'],
    ['a preview in an unknown format', change({ preview: { format: 'html', content: '<b>' } }), 'preview.format'],
    ['a dataset id with a leading zero', change({ datasetId: '01' }), 'datasetId: must be a decimal integer'],
    ['a dataset id above uint256', change({ datasetId: (2n ** 256n).toString() }), 'datasetId: must fit in a uint256'],
    ['a numeric terms id', change({ termsId: 1 }), 'termsId: Invalid input: expected string'],
    ['an upper-case plaintext hash', change({ plaintextSha256: valid.plaintextSha256.toUpperCase() }), 'plaintextSha256: must be a SHA-256'],
    ['a publisher that is not an address', change({ publisher: '0x1234' }), 'publisher: must be an EVM address'],
    ['a local timestamp', change({ createdAt: '2026-11-23 12:00' }), 'createdAt: must be an ISO 8601 UTC timestamp'],
    ['an update before creation', change({ updatedAt: '2026-11-22T12:00:00.000Z' }), 'updatedAt: must not be before createdAt'],
    ['version 1 with a predecessor', change({ previous: 'baguqeerawq3ga5xt3nmclghtd7gsnq5xknypm3vokrbvnbkc3kgyhtvc5ita' }), 'previous: must be null for version 1'],
    ['version 2 without one', change({ version: 2 }), 'previous: must be null for version 1'],
    ['a predecessor that is not a metadata CID', change({ version: 2, previous: valid.content.cid }), 'previous: must be a metadata CID'],
    ['a content CID that is not a CID', changeIn('content', { cid: 'ipfs://hello' }), 'content.cid: must be a CIDv0'],
    ['a chunk size that is not a power of two', changeIn('content', { chunkSize: 1000 }), 'content.chunkSize: must be a power of two'],
    ['a ciphertext size that does not match', changeIn('content', { size: valid.content.size + 1 }), `content.size: must be ${valid.content.size}`],
    ['another encryption scheme', changeIn('content', { encryption: 'AES-CBC' }), 'content.encryption'],
    ['an unknown key network', changeIn('key', { network: 'ceramic' }), 'key.network'],
    ['a key hash that is not hex', changeIn('key', { dataToEncryptHash: 'zz' }), 'key.dataToEncryptHash: must be a SHA-256'],
    ['no access conditions', changeIn('key', { evmContractConditions: [] }), 'key.evmContractConditions: Too small'],
    ['conditions that are not JSON', changeIn('key', { evmContractConditions: [{ value: 1n }] }), 'key.evmContractConditions: must be plain JSON'],
    ['an unknown envelope field', changeIn('key', { secret: 'x' }), 'key: Unrecognized key: "secret"'],
    ['an unknown field', change({ price: '10' }), 'document: Unrecognized key: "price"'],
    ['a NUL in the preview', change({ preview: { format: 'csv', content: 'a,b\n\u0000\u0001,2\n' } }), 'preview.content: must not contain control character U+0000 (tab and line breaks are allowed)'],
    ['an escape sequence in the title', change({ title: 'Sales \u001b[31mred' }), 'title: must not contain control character U+001B (only tab is allowed)'],
    ['a line break in a tag', change({ tags: ['two\nlines'] }), 'tags.0: must not contain control character U+000A'],
    ['a C1 control in a column type', change({ columns: [{ name: 'a', type: 'int\u0085' }] }), 'columns.0.type: must not contain control character U+0085'],
    ['a lone high surrogate in the description', change({ description: 'cut \uD83D here' }), 'description: must not contain a lone surrogate U+D83D'],
    ['a lone low surrogate in a column name', change({ columns: [{ name: '\uDE00', type: 'string' }] }), 'columns.0.name: must not contain a lone surrogate U+DE00'],
    ['a NUL in the key envelope', changeIn('key', { chain: 'ethereum\u0000' }), 'key.chain: must not contain control character U+0000'],
    ['a NUL deep in the conditions', changeIn('key', { evmContractConditions: [{ a: { b: ['\u0000'] } }] }), 'key.evmContractConditions: strings must not contain control character U+0000'],
    ['a NUL in a condition key', changeIn('key', { evmContractConditions: [{ 'k\u0000': 1 }] }), 'key.evmContractConditions: keys must not contain control character U+0000'],
    ['conditions 33 levels deep', changeIn('key', { evmContractConditions: [nestedArrays(32)] }), 'key.evmContractConditions: must nest at most 32 levels deep'],
    ['conditions 100,000 levels deep (no stack overflow)', changeIn('key', { evmContractConditions: [nestedArrays(100_000)] }), 'key.evmContractConditions: must nest at most 32 levels deep'],
    ['a 10 MB title', change({ title: 'x'.repeat(10 * 2 ** 20) }), 'title: Too big'],
  ])('rejects %s with a readable error', (_case, document, message) => {
    expect(issuesOf(document)).toContain(message);
  });

  it('accepts tabs, line breaks where text has several lines, emoji, bidi marks and markup as they are', () => {
    const text = change({
      title: 'Tabs\tand 👩‍💻 \u202Eevil\u202C <script>alert(1)</script>',
      description: 'Line one\r\nline two\n\ttabbed',
      preview: { format: 'csv', content: 'a\tb\r\n1\t2\r\n' },
      columns: [{ name: 'naïve 𝕏', type: 'string', description: 'two\nlines' }],
    });
    expect(issuesOf(text)).toBe('valid');
    expect(datasetDocumentSchema.parse(text)).toEqual(text);
  });

  it('types its output as DatasetDocument', () => {
    const parsed: DatasetDocument = datasetDocumentSchema.parse(valid);
    expect(parsed.content.encryption).toBe('DGE1-AES-256-GCM-HKDF-SHA256');
  });
});
