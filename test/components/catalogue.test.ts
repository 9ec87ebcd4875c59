import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Catalogue } from '@/components/datasets/catalogue';
import type { CatalogueEntry } from '@/lib/web/queries/catalogue';

const entry = (id: string, size: number): CatalogueEntry => ({ id, title: `Dataset ${id}`, tags: [], licence: 'commercial', price: '1 dUSD', format: 'csv', size, owner: '0x0000000000000000000000000000000000000001', listed: true, version: 1 });

test('the catalogue writes sizes in B, kB, MB and GB, never "0 MB" for a small file', () => {
  const entries = [entry('1', 6_144), entry('2', 512), entry('3', 938_705), entry('4', 5_368_709_120)];
  const html = renderToStaticMarkup(createElement(Catalogue, { catalogue: { available: true, source: 'indexer', entries, total: 4, page: 1, pageSize: 20 }, filters: {} }));
  expect(html.match(/csv · [^<]+/g)).toEqual(['csv · 6.1 kB', 'csv · 512 B', 'csv · 938.7 kB', 'csv · 5.4 GB']);
});

test('the catalogue marks models, keeps the kind filter and counts what it lists', () => {
  const model = { ...entry('9', 2_048), kind: 'model' as const, title: 'Alert model' };
  const html = renderToStaticMarkup(createElement(Catalogue, { catalogue: { available: true, source: 'indexer', entries: [model], total: 1, page: 1, pageSize: 20 }, filters: { kind: 'model' } }));
  expect(html).toMatch(/<option value="model" selected="">Models<\/option>/);
  expect(html).toContain('>1 model</p>');
  expect(html.match(/>Model<\/span>/g)).toHaveLength(1);
  const both = renderToStaticMarkup(createElement(Catalogue, { catalogue: { available: true, source: 'indexer', entries: [entry('1', 10), model], total: 2, page: 1, pageSize: 20 }, filters: {} }));
  expect(both).toContain('>2 datasets and models</p>');
  expect(both.match(/>Model<\/span>/g)).toHaveLength(1);
});
