import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { DatasetLineage } from '@/components/dataset/dataset-lineage';
import { royaltyLines } from '@/components/lineage/royalties';
import type { AssetLineage, AssetRoyalties } from '@/lib/indexer/api';

const DUSD = { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', symbol: 'dUSD', decimals: 6 } as const;
const owner = '0x0000000000000000000000000000000000000004';
const graph: AssetLineage = {
  assetId: '7',
  nodes: [
    { id: '3', kind: 'dataset', title: 'ICU vitals', owner },
    { id: '7', kind: 'model', title: 'Alert model', owner },
  ],
  edges: [{ parentId: '3', childId: '7', bps: 1000, jobId: '1' }],
  truncated: false,
};
const none: AssetRoyalties = { earned: [], paid: [], fromDerivatives: [] };
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('royaltyLines', () => {
  it('writes each currency’s royalties in its units with the number of payments', () => {
    expect(royaltyLines(DUSD, [{ currency: DUSD.address.toLowerCase(), amount: '1710000', payments: 1 }])).toEqual(['1.71 dUSD in 1 payment']);
    expect(royaltyLines(DUSD, [{ currency: '0x0000000000000000000000000000000000000009', amount: '25', payments: 2 }])).toEqual(['25 base units of 0x0000000000000000000000000000000000000009 in 2 payments']);
  });
});

describe('DatasetLineage', () => {
  it('shows a model’s parent with its share and job, the picture, and what its sales paid up', () => {
    const royalties: AssetRoyalties = { earned: [], paid: [{ currency: DUSD.address, amount: '1710000', payments: 1 }], fromDerivatives: [] };
    const html = renderToStaticMarkup(createElement(DatasetLineage, { lineage: { available: true, graph, royalties, stablecoin: DUSD }, kind: 'model' }));
    expect(text(html)).toContain('Derived from Dataset #3: ICU vitals 10% of each sale, trained in compute job 1');
    expect(html).toContain('aria-label="Lineage of Model #7: 1 asset it derives from above it, 0 derived from it below"');
    expect(text(html)).toContain('Paid to its ancestors 1.71 dUSD in 1 payment');
    expect(text(html)).toContain('Earned from derivatives None yet');
  });

  it('lists the derivatives that paid a dataset most, and leaves out what it never pays', () => {
    const royalties: AssetRoyalties = { earned: [{ currency: DUSD.address, amount: '1710000', payments: 1 }], paid: [], fromDerivatives: [{ assetId: '7', title: 'Alert model', amount: '1710000' }] };
    const html = renderToStaticMarkup(createElement(DatasetLineage, { lineage: { available: true, graph: { ...graph, assetId: '3' }, royalties, stablecoin: DUSD }, kind: 'dataset' }));
    expect(text(html)).toContain('Earned from derivatives 1.71 dUSD in 1 payment');
    expect(html).toMatch(/<a [^>]*href="\/datasets\/7"[^>]*>#7 Alert model<\/a>/);
    expect(text(html)).not.toContain('Paid to its ancestors');
    expect(text(html)).not.toContain('Derived from');
  });

  it('says when nothing is related, and why nothing shows while the indexer does not answer', () => {
    const alone = renderToStaticMarkup(createElement(DatasetLineage, { lineage: { available: true, graph: { assetId: '5', nodes: [graph.nodes[0]!], edges: [], truncated: false }, royalties: none, stablecoin: DUSD }, kind: 'dataset' }));
    expect(text(alone)).toContain('Not derived from another asset, and nothing has been derived from it yet.');
    expect(alone).not.toContain('<svg');
    const down = renderToStaticMarkup(createElement(DatasetLineage, { lineage: { available: false, message: 'the indexer has not read this asset yet', hint: 'reload in a moment' }, kind: 'dataset' }));
    expect(text(down)).toContain('the indexer has not read this asset yet');
  });
});

test('a model selling another file than the content its lineage registered is marked, in its picture and on its page', () => {
  const swapped: AssetLineage = { ...graph, nodes: graph.nodes.map((n) => (n.id === '7' ? { ...n, contentMatches: false } : { ...n, contentMatches: null })) };
  const own = renderToStaticMarkup(createElement(DatasetLineage, { lineage: { available: true, graph: swapped, royalties: none, stablecoin: DUSD }, kind: 'model' }));
  expect(text(own)).toContain('Careful: the file it sells is not the content registered with its lineage.');
  expect(own).toContain('Model #7 · file differs');
  const parent = renderToStaticMarkup(createElement(DatasetLineage, { lineage: { available: true, graph: { ...swapped, assetId: '3' }, royalties: none, stablecoin: DUSD }, kind: 'dataset' }));
  expect(parent).toContain('aria-label="Model #7: Alert model, derived from this dataset, pays it 10%, through job 1; the file it sells is not the content registered with its lineage"');
  expect(text(parent)).not.toContain('Careful');
});
