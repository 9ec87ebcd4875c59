import { formatBytes } from '@/lib/units';

test('sizes read in human units, never "0 MB" for a small file', () => {
  expect(formatBytes(0)).toBe('0 B');
  expect(formatBytes(999)).toBe('999 B');
  expect(formatBytes(6144)).toBe('6.1 kB');
  expect(formatBytes(938_705)).toBe('938.7 kB');
  expect(formatBytes(999_960)).toBe('1 MB');
  expect(formatBytes(200_000_000)).toBe('200 MB');
  expect(formatBytes(5_368_709_120)).toBe('5.4 GB');
});
