/** The heartbeat of a quiet child (next build): a line after each quiet spell, saying how long and what came last. */
import { heartbeat } from '@/lib/stack/log';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

it('speaks after each quiet spell with the time so far and the last line, never while lines flow, and stops', () => {
  const lines: string[] = [];
  const beat = heartbeat((line) => lines.push(line), 10_000, (seconds, last) => `${seconds} s, last: ${last ?? 'nothing'}`);
  jest.advanceTimersByTime(9_000);
  expect(lines).toEqual([]);
  jest.advanceTimersByTime(1_000);
  expect(lines).toEqual(['10 s, last: nothing']);

  beat.log('   Creating an optimized production build ...');
  jest.advanceTimersByTime(9_000);
  beat.log('✓ Compiled successfully');
  jest.advanceTimersByTime(9_000);
  expect(lines).toEqual(['10 s, last: nothing', '   Creating an optimized production build ...', '✓ Compiled successfully']);
  jest.advanceTimersByTime(1_000);
  jest.advanceTimersByTime(10_000);
  expect(lines.slice(3)).toEqual(['29 s, last: ✓ Compiled successfully', '39 s, last: ✓ Compiled successfully']);

  beat.stop();
  jest.advanceTimersByTime(60_000);
  expect(lines).toHaveLength(5);
});
