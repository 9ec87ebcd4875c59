/** The CLI's plain tables, progress figures and negative flag values, without a market. */
import { parseArgs } from 'node:util';
import { formatTable, truncate } from '@/lib/cli/table';
import { progressLine } from '@/lib/cli/progress';
import { withNegativeValues } from '@/lib/cli/usage';

test('a table has a header of its column names, padded columns, numbers right-aligned, and nothing else', () => {
  const table = formatTable([
    { id: 7, title: 'Readings', size: '6.1 kB' },
    { id: 12, title: 'Vitals', size: '325.9 kB' },
  ]);
  expect(table).toBe(['id  title     size', ' 7  Readings  6.1 kB', '12  Vitals    325.9 kB'].join('\n'));
  expect(formatTable([])).toBe('');
});

test('a long title is cut with an ellipsis to the width asked, counting characters rather than UTF-16 units', () => {
  expect(truncate('Hourly readings from every rooftop station', 20)).toBe('Hourly readings fro…');
  expect(truncate('Hourly readings from every rooftop station', 17)).toBe('Hourly readings…');
  expect(truncate('Short', 20)).toBe('Short');
  expect([...truncate('🌦'.repeat(30), 10)]).toHaveLength(10);
});

test('progress figures are in the shared byte units, never "0.0 MB" for a small file', () => {
  expect(progressLine('download', 3072, 6144, 2)).toBe(`download [${'#'.repeat(14)}${'.'.repeat(14)}] 50% 3.1 kB/6.1 kB 1.5 kB/s`);
  expect(progressLine('upload', 200_000_000, 200_000_000, 4)).toMatch(/100% 200 MB\/200 MB 50 MB\/s$/);
});

test('negative numbers are kept as flag values and positionals, in their order', () => {
  const options = { price: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string', short: 'o' } } as const;
  expect(withNegativeValues(['3', '--price', '-3', '--json'], options)).toEqual(['--price=-3', '--json', '3']);
  expect(withNegativeValues(['--price', '-.5', '-o', '-1'], options)).toEqual(['--price=-.5', '-o=-1']);
  expect(withNegativeValues(['2', '-3', '--json', '4'], options)).toEqual(['--json', '--', '2', '-3', '4']);
  expect(withNegativeValues(['--json', '--', '-x', '5'], options)).toEqual(['--json', '--', '-x', '5']);
  // A flag missing its value, or a dash that is no number: left for parseArgs to judge.
  expect(withNegativeValues(['--price', '--json'], options)).toEqual(['--price', '--json']);
  expect(withNegativeValues(['-x', '1'], options)).toEqual(['-x', '1']);
});

test('parseArgs reads the rewritten arguments as the user meant them', () => {
  const options = { price: { type: 'string' }, json: { type: 'boolean' } } as const;
  const parsed = parseArgs({ args: withNegativeValues(['-3', '--price', '-0.5', '7', '--json'], options), options, allowPositionals: true });
  expect(parsed).toEqual({ values: { price: '-0.5', json: true }, positionals: ['-3', '7'] });
});
