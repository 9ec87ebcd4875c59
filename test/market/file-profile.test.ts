/**
 * What publishing takes from a file and shows in public: binary "CSV" and JSON lines get no columns or
 * preview and a reason in words, every string from the file is visible text, an empty file is refused, and
 * the dataset page's preview table shows no invisible character even from a document another client wrote.
 */
import { previewTable, previewText } from '@/components/dataset/preview-table';
import { assertPublishable, binaryNotice, EmptyFileError, FileProfiler, HEAD_BYTES } from '@/lib/market/files';
import { datasetColumnSchema } from '@/lib/metadata/schema';

const encode = (text: string) => new TextEncoder().encode(text);

function profileOf(format: string, chunks: Array<string | Uint8Array>, previewRows = 5) {
  const profiler = new FileProfiler(format, previewRows);
  for (const chunk of chunks) profiler.observe(typeof chunk === 'string' ? encode(chunk) : chunk);
  return profiler.profile();
}

describe('file profile', () => {
  it('takes a CSV with a NUL byte as binary: no columns, rows or preview, and a reason', () => {
    const profile = profileOf('csv', ['id,name\n1,a\0b\n']);
    expect(profile).toEqual({ format: 'binary', binary: 'NUL bytes in the file' });
    expect(binaryNotice('malformed.csv', profile.binary!)).toBe('malformed.csv looks binary (NUL bytes in the file): published without a preview or columns');
  });

  it('names how much of a longer file it read', () => {
    const head = new Uint8Array(HEAD_BYTES + 10).fill(0x61);
    head[100] = 0;
    expect(profileOf('jsonl', [head]).binary).toBe('NUL bytes in the first 32 kB');
  });

  it('takes invalid UTF-8 as binary, but not a character the head cuts in two', () => {
    expect(profileOf('csv', [Uint8Array.from([0x61, 0x2c, 0x62, 0x0a, 0xff, 0xfe, 0x0a])])).toEqual({ format: 'binary', binary: 'invalid UTF-8 in the file' });
    // "é" is two bytes; the head ends after the first.
    const text = `${'x'.repeat(HEAD_BYTES - 1)}é\n`;
    expect(profileOf('jsonl', [text]).format).toBe('jsonl');
    expect(profileOf('jsonl', [encode(text).subarray(0, HEAD_BYTES)]).binary).toBe('invalid UTF-8 in the file');
  });

  it('takes a high share of control characters as binary and shows a few stray ones as control pictures', () => {
    expect(profileOf('csv', ['a,b\n\x01\x02\x03,\x04\x05\n'])).toEqual({ format: 'binary', binary: '45% control characters in the file' });
    const profile = profileOf('csv', ['level,message\nwarn,\x1b[31mred\x1b[0m text that goes on\n']);
    expect(profile.preview?.content).toBe('level,message\nwarn,␛[31mred␛[0m text that goes on\n');
  });

  it('neutralises bidi overrides in column names and the preview', () => {
    const profile = profileOf('csv', ['na\u202Eme,\u2066v\u2069\nfile\u202Etxt.exe,1\n']);
    expect(profile.columns).toEqual([
      { name: 'na\uFFFDme', type: 'string' },
      { name: '\uFFFDv\uFFFD', type: 'number' },
    ]);
    expect(profile.preview?.content).toBe('na\uFFFDme,\uFFFDv\uFFFD\nfile\uFFFDtxt.exe,1\n');
  });

  it('names blank and over-long header cells so the document accepts them, and leaves out more columns than it lists', () => {
    const profile = profileOf('csv', [`\uFEFFid,, ,${'n'.repeat(300)}\n1,2,3,4\n`]);
    expect(profile.columns?.map((c) => c.name)).toEqual(['id', 'column 2', 'column 3', 'n'.repeat(128)]);
    for (const column of profile.columns!) expect(datasetColumnSchema.safeParse(column).success).toBe(true);
    const wide = profileOf('csv', [`${Array.from({ length: 501 }, (_, i) => `c${i}`).join(',')}\n`]);
    expect(wide.columns).toBeUndefined();
    expect(wide.format).toBe('csv');
  });

  it('reads CR, LF and CRLF line ends, also split between chunks', () => {
    const profile = profileOf('csv', ['a,b\r1,2\r', '\n3,4\n5,6']);
    expect(profile).toMatchObject({ rowCount: 3, columns: [{ name: 'a', type: 'number' }, { name: 'b', type: 'number' }], preview: { format: 'csv', content: 'a,b\n1,2\n3,4\n5,6\n' } });
  });

  it('counts the same rows however a file of long or short lines is cut, each line end counted once', () => {
    const ends = ['\n', '\r\n', '\r'];
    // Short lines in some stretches, long ones in others, so both ways of counting meet at chunk edges.
    const lines = Array.from({ length: 3000 }, (_, i) => `${i % 700 < 350 ? 'x' : 'y'.repeat(60 + (i % 50))},${i}${ends[i % 3]}`);
    const file = encode(['a,b\n', ...lines].join(''));
    for (const size of [1, 2, 7, 100, 4096, 65_536, file.length]) {
      const chunks = Array.from({ length: Math.ceil(file.length / size) }, (_, i) => file.subarray(i * size, (i + 1) * size));
      expect(profileOf('csv', chunks).rowCount).toBe(3000);
    }
  });

  it('names no columns from a header line the head cuts off', () => {
    expect(profileOf('csv', [`a,${'b'.repeat(HEAD_BYTES)}\n1,2\n`])).toEqual({ format: 'csv', rowCount: 1 });
  });

  it('refuses an empty file with a typed error and a hint', () => {
    expect(() => assertPublishable('empty.csv', 0)).toThrow(EmptyFileError);
    expect(() => assertPublishable('empty.csv', 0)).toThrow('empty.csv is empty: 0 bytes, nothing to publish');
    expect(() => assertPublishable('one.csv', 1)).not.toThrow();
  });
});

describe('preview table', () => {
  it('shows control and bidi characters that JSON escapes decode to as visible text', () => {
    const table = previewTable({ format: 'jsonl', content: '{"na\\u202eme":"a\\u0000b","n":{"k":"\\u2066"}}\n' });
    expect(table).toEqual({ columns: ['na\uFFFDme', 'n'], rows: [['a␀b', '{"k":"\uFFFD"}']] });
  });

  it('shows a CSV cell’s raw control characters and line breaks as control pictures', () => {
    const table = previewTable({ format: 'csv', content: 'a,b\n"x\ny",\u0007\u202E\n' });
    expect(table).toEqual({ columns: ['a', 'b'], rows: [['x␊y', '␇\uFFFD']] });
  });

  it('keeps the line breaks of a text preview and shows the rest', () => {
    expect(previewText({ format: 'text', content: 'one\r\ntwo\u202E\u0000\n' })).toBe('one␍\ntwo\uFFFD␀\n');
  });
});
