/** The CLI's plain tables, progress figures and negative flag values, without a market. */
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

test('a negative number after a flag that takes a value is kept as its value, and nothing else moves', () => {
  const options = { price: { type: 'string' }, json: { type: 'boolean' } } as const;
  expect(withNegativeValues(['buy', '3', '--price', '-3', '--json'], options)).toEqual(['buy', '3', '--price=-3', '--json']);
  expect(withNegativeValues(['--price', '-.5'], options)).toEqual(['--price=-.5']);
  // Not a number, or after a boolean flag: left for parseArgs to judge.
  expect(withNegativeValues(['--price', '--json'], options)).toEqual(['--price', '--json']);
  expect(withNegativeValues(['--json', '-3'], options)).toEqual(['--json', '-3']);
});
