/** The CLI's plain tables, progress figures, negative flag values and lineage graphs as text, without a market. */
import { parseArgs } from 'node:util';
import { lineageText } from '@/lib/cli/lineage';
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

test('a lineage graph reads as text: ancestors farthest first with their edges, the asset, then descendants as a tree', () => {
  const node = (id: number, kind: 'dataset' | 'model', title: string | null) => ({ id: String(id), kind, title, owner: '0x0' });
  const edge = (parentId: number, childId: number, bps: number, jobId: number | null = null) => ({ parentId: String(parentId), childId: String(childId), bps, jobId: jobId === null ? null : String(jobId) });
  // 1 → 2 → 4 and 3 → 4 above the asset 4; below it 5 and 6, both parents of 7 (shown once, then named again).
  const graph = {
    assetId: '4',
    nodes: [node(1, 'dataset', 'Vitals'), node(2, 'model', 'Alert model'), node(3, 'dataset', 'Wards'), node(4, 'model', 'Tuned model'), node(5, 'dataset', 'Scores'), node(6, 'model', null), node(7, 'model', 'Ensemble')],
    edges: [edge(1, 2, 1000, 9), edge(2, 4, 0), edge(3, 4, 250, 11), edge(4, 5, 0), edge(4, 6, 500), edge(5, 7, 0), edge(6, 7, 0)],
    truncated: true,
  };
  expect(lineageText(graph).join('\n')).toBe(
    [
      'ancestors',
      '  #1 Vitals [dataset]',
      '    → #2: 10 % of each sale, job 9',
      '  #2 Alert model [model]',
      '    → #4: 0 % of each sale, owned or licensed',
      '  #3 Wards [dataset]',
      '    → #4: 2.5 % of each sale, job 11',
      '#4 Tuned model [model]',
      'descendants',
      '  #5 Scores [dataset] (0 % of each sale, owned or licensed)',
      '    #7 Ensemble [model] (0 % of each sale, owned or licensed)',
      '  #6 (title not read yet) [model] (5 % of each sale, owned or licensed)',
      '    #7 Ensemble [model] (0 % of each sale, owned or licensed) — shown above',
      '  … and more than the indexer answers with (a few levels, a hundred assets)',
    ].join('\n'),
  );
});
