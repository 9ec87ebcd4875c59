/** The transaction page's decoded arguments read as people read them, never as bare base units or Unix seconds. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { DecodedArgument } from '@/components/tx/decoded-value';
import type { DecodedValue } from '@/lib/chain/transaction';

const token = { symbol: 'dUSD', decimals: 6 };
const text = (arg: DecodedValue) => renderToStaticMarkup(createElement(DecodedArgument, { arg, token })).replace(/<[^>]+>/g, '');
const html = (arg: DecodedValue) => renderToStaticMarkup(createElement(DecodedArgument, { arg, token }));

describe('a decoded argument', () => {
  it('writes stablecoin amounts in the coin with their base units beside them', () => {
    expect(text({ name: 'maxPayment', type: 'uint256', value: '15500000' })).toBe('15.5 dUSD (15500000 base units)');
    expect(text({ name: 'value', type: 'uint256', value: '1234567000000' })).toBe('1,234,567 dUSD (1234567000000 base units)');
  });

  it('writes times as UTC dates, a perpetual expiry as never, periods in days and basis points as percentages', () => {
    expect(html({ name: 'expiresAt', type: 'uint64', value: '1796641318' })).toContain('<time dateTime="2026-12-07T11:01:58.000Z">Dec 7, 2026, 11:01 AM UTC</time>');
    expect(text({ name: 'expiresAt', type: 'uint64', value: (2n ** 64n - 1n).toString() })).toBe('never (perpetual)');
    expect(text({ name: 'accessDuration', type: 'uint64', value: String(365 * 86_400) })).toBe('365 days');
    expect(text({ name: 'feeBps', type: 'uint16', value: '250' })).toBe('2.5%');
  });

  it('links addresses to their owner page and dataset ids to the dataset', () => {
    const owner = '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc';
    expect(html({ name: 'seller', type: 'address', value: owner })).toContain(`href="/owners/${owner}"`);
    expect(html({ name: 'tokenId', type: 'uint256', value: '4' })).toContain('href="/datasets/4"');
  });

  it('shows a struct field by field, with the same rules for each field', () => {
    const job = { datasetId: '3', buyer: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', dataFee: '15000000', maxMinutes: 10, feeBps: 250, aiTraining: false, deadline: '1796641318' };
    const shown = html({ name: 'job', type: 'tuple', value: JSON.stringify(job) });
    expect(shown).toContain('href="/datasets/3"');
    expect(shown).toContain(`href="/owners/${job.buyer}"`);
    expect(shown).toContain('15 dUSD');
    expect(shown).toContain('2.5%');
    expect(shown).toContain('<time dateTime="2026-12-07T11:01:58.000Z">');
    expect(shown).not.toContain('{');
    expect(html({ name: 'providerIds', type: 'uint256[]', value: '["1","2"]' })).toBe('<ol class="space-y-2"><li><code class="font-mono text-xs break-all">1</code></li><li><code class="font-mono text-xs break-all">2</code></li></ol>');
    expect(text({ name: 'providerIds', type: 'uint256[]', value: '[]' })).toBe('none');
  });
});
