import fc from 'fast-check';
import { csvRecords, splitLine } from '@/lib/csv';

describe('csvRecords', () => {
  it('splits records at LF, CRLF and CR, and a final line break starts no empty record', () => {
    expect(csvRecords('a,b\nc,d\r\ne,f\rg,h\r\n')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
      ['g', 'h'],
    ]);
    expect(csvRecords('a,b')).toEqual([['a', 'b']]);
    expect(csvRecords('')).toEqual([]);
  });

  it('keeps commas, line breaks and doubled quotes inside quoted fields', () => {
    expect(csvRecords('name,note\r\n"Smith, J.","said ""hi""\r\nthen left"\r\n')).toEqual([
      ['name', 'note'],
      ['Smith, J.', 'said "hi"\r\nthen left'],
    ]);
  });

  it('keeps empty fields, quoted or not, and empty lines as one empty field', () => {
    expect(csvRecords(',a,,""\n\n"",')).toEqual([['', 'a', '', ''], [''], ['', '']]);
  });

  it('splits at another separator when asked', () => {
    expect(csvRecords('a;"b;c"\n1;2', ';')).toEqual([
      ['a', 'b;c'],
      ['1', '2'],
    ]);
  });

  it('reads back any table written with RFC 4180 quoting', () => {
    const quote = (field: string) => `"${field.replaceAll('"', '""')}"`;
    const field = fc.string({ unit: fc.constantFrom('a', 'é', ' ', ',', ';', '"', '\r', '\n'), maxLength: 8 });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }), (table) => {
        // A last record of one empty field is no record: the text then just ends in a line break.
        fc.pre(table.at(-1)!.join('') !== '' || table.at(-1)!.length > 1);
        const text = table.map((record) => record.map(quote).join(',')).join('\r\n');
        expect(csvRecords(text)).toEqual(table);
      }),
      { numRuns: 200 },
    );
  });
});

describe('splitLine', () => {
  it('splits one line at commas by default and at the separator given', () => {
    expect(splitLine('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(splitLine('a\tb|c', '\t')).toEqual(['a', 'b|c']);
    expect(splitLine('')).toEqual(['']);
  });

  it('honours quotes: separators and doubled quotes inside, empty quoted fields', () => {
    expect(splitLine('"x, y",2,"say ""no""",""')).toEqual(['x, y', '2', 'say "no"', '']);
    expect(splitLine('1|"a|b"|3', '|')).toEqual(['1', 'a|b', '3']);
  });

  it('keeps line breaks as text: the line was split by its caller', () => {
    expect(splitLine('a,b\r')).toEqual(['a', 'b\r']);
    expect(splitLine('"a\nb",c\r')).toEqual(['a\nb', 'c\r']);
  });

  it('gives the same fields with and without quotes when no field needs them', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[^",\r\n]*$/), { minLength: 1, maxLength: 6 }), (fields) => {
        expect(splitLine(fields.join(','))).toEqual(fields);
        expect(splitLine(fields.map((f) => `"${f}"`).join(','))).toEqual(fields);
      }),
      { numRuns: 200 },
    );
  });
});
