import { amountOf } from '@/lib/client/compute';
import { MissingPriceError, parsePrice } from '@/lib/licence/presets';
import { formatAmount } from '@/lib/units';

const dUSD = { decimals: 6, symbol: 'dUSD' };

test('token amounts read one way: thousands grouped, every decimal the token has, none padded', () => {
  expect(formatAmount(999_855_020_000n, dUSD)).toBe('999,855.02 dUSD');
  expect(formatAmount(999_875_000_000n, dUSD)).toBe('999,875 dUSD');
  expect(formatAmount(3_333_333n, dUSD)).toBe('3.333333 dUSD');
  expect(formatAmount(1n, dUSD)).toBe('0.000001 dUSD');
  expect(formatAmount(0n, dUSD)).toBe('0 dUSD');
  expect(formatAmount(-500_000n, dUSD)).toBe('-0.5 dUSD');
  expect(formatAmount(10n ** 30n, dUSD)).toBe('1,000,000,000,000,000,000,000,000 dUSD');
  expect(formatAmount(1234n, { decimals: 0, symbol: 'T' })).toBe('1,234 T');
});

test('the browser flows write amounts with the same formatter as the pages', () => {
  expect(amountOf({ stablecoin: { ...dUSD, address: '0x0000000000000000000000000000000000000001' } }, 999_855_020_000n)).toBe(formatAmount(999_855_020_000n, dUSD));
});

test('an empty price asks for one instead of quoting an empty string', () => {
  for (const empty of ['', '  ']) {
    expect(() => parsePrice(empty, 6)).toThrow(MissingPriceError);
    expect(() => parsePrice(empty, 6)).toThrow(/^enter a price$/);
  }
  expect(parsePrice('12.5', 6)).toBe(12_500_000n);
});
