import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { BOX, layoutLineage } from '@/components/lineage/layout';
import { LineageGraph } from '@/components/lineage/lineage-graph';
import type { AssetLineage as Graph, LineageNode } from '@/lib/indexer/api';

const node = (id: string, kind: LineageNode['kind'] = 'dataset', title: string | null = `Asset ${id}`): LineageNode => ({ id, kind, title, owner: '0x0000000000000000000000000000000000000001' });

/**
 * Model 9 trained in job 12 on vitals (3) and built from a licensed dataset (5), itself derived from 1; model 11
 * fine-tuned from 9, and 12 from 11.
 */
const graph: Graph = {
  assetId: '9',
  nodes: [node('1'), node('3', 'dataset', 'Synthetic ICU patient vitals (compute-only)'), node('5'), node('9', 'model', 'Alert model'), node('11', 'model'), node('12', 'model', null)],
  edges: [
    { parentId: '1', childId: '5', bps: 250, jobId: null },
    { parentId: '3', childId: '9', bps: 1000, jobId: '12' },
    { parentId: '5', childId: '9', bps: 500, jobId: null },
    { parentId: '9', childId: '11', bps: 2000, jobId: null },
    { parentId: '11', childId: '12', bps: 1500, jobId: '4' },
  ],
  truncated: false,
};

describe('layoutLineage', () => {
  const layout = layoutLineage(graph);
  const at = (id: string) => layout.nodes.find((n) => n.id === id)!;

  it('puts ancestors above the asset and derivatives below it, a layer per generation', () => {
    expect(Object.fromEntries(layout.nodes.map((n) => [n.id, [n.layer, n.relation]]))).toEqual({
      '1': [-2, 'ancestor'],
      '3': [-1, 'ancestor'],
      '5': [-1, 'ancestor'],
      '9': [0, 'asset'],
      '11': [1, 'descendant'],
      '12': [2, 'descendant'],
    });
    const ys = ['1', '5', '9', '11', '12'].map((id) => at(id).y);
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
    expect(new Set(ys).size).toBe(5);
    expect(at('3').y).toBe(at('5').y);
  });

  it('keeps every box inside the picture and apart from the others in its layer', () => {
    for (const n of layout.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.x + BOX.width).toBeLessThanOrEqual(layout.width);
      expect(n.y + BOX.height).toBeLessThanOrEqual(layout.height);
    }
    const parents = [at('3'), at('5')].sort((a, b) => a.x - b.x);
    expect(parents[1]!.x - parents[0]!.x).toBeGreaterThanOrEqual(BOX.width);
  });

  it('draws each edge from the bottom of its parent to the top of its child, its label in the gap above the child', () => {
    expect(layout.edges).toHaveLength(5);
    for (const edge of layout.edges) {
      const [from, to] = [at(edge.parentId), at(edge.childId)];
      const [x1, y1, , , , , x2, y2] = edge.path.slice(1).split(/[C ]/).map(Number);
      expect(y1).toBe(from.y + BOX.height);
      expect(y2).toBe(to.y);
      expect(x1).toBeGreaterThan(from.x);
      expect(x1).toBeLessThan(from.x + BOX.width);
      expect(x2).toBeGreaterThan(to.x);
      expect(x2).toBeLessThan(to.x + BOX.width);
      expect(edge.label.y).toBeLessThan(to.y);
      expect(edge.label.y).toBeGreaterThan(from.y + BOX.height);
    }
    // Two edges reaching the model end apart.
    const ends = layout.edges.filter((e) => e.childId === '9').map((e) => e.path.split(' ').at(-2));
    expect(new Set(ends).size).toBe(2);
  });

  it('orders a layer by the positions of its parents, so edges do not cross', () => {
    // 2 comes from 6, 4 from 1: in id order the two edges would cross.
    const crossing = layoutLineage({
      assetId: '7',
      nodes: ['1', '2', '4', '6', '7'].map((id) => node(id)),
      edges: [
        { parentId: '6', childId: '2', bps: 100, jobId: null },
        { parentId: '1', childId: '4', bps: 100, jobId: null },
        { parentId: '2', childId: '7', bps: 100, jobId: null },
        { parentId: '4', childId: '7', bps: 100, jobId: null },
      ],
      truncated: false,
    });
    const x = (id: string) => crossing.nodes.find((n) => n.id === id)!.x;
    expect(Math.sign(x('1') - x('6'))).toBe(Math.sign(x('4') - x('2')));
  });

  it('gives an ancestor reached by paths of two lengths the layer of the longer one', () => {
    const twoPaths = layoutLineage({
      assetId: '3',
      nodes: [node('1'), node('2', 'model'), node('3', 'model')],
      edges: [
        { parentId: '1', childId: '2', bps: 300, jobId: null },
        { parentId: '1', childId: '3', bps: 300, jobId: null },
        { parentId: '2', childId: '3', bps: 1000, jobId: null },
      ],
      truncated: false,
    });
    expect(twoPaths.nodes.map((n) => [n.id, n.layer])).toEqual([
      ['1', -2],
      ['2', -1],
      ['3', 0],
    ]);
    expect(twoPaths.edges).toHaveLength(3);
  });

  it('leaves out what is not related to the asset, and an edge that would close a cycle', () => {
    const odd = layoutLineage({
      assetId: '2',
      nodes: [node('1'), node('2'), node('3'), node('8')],
      edges: [
        { parentId: '1', childId: '2', bps: 100, jobId: null },
        { parentId: '2', childId: '3', bps: 100, jobId: null },
        { parentId: '3', childId: '1', bps: 100, jobId: null },
        { parentId: '2', childId: '99', bps: 100, jobId: null },
      ],
      truncated: false,
    });
    expect(odd.nodes.map((n) => n.id).sort()).toEqual(['1', '2', '3']);
    for (const edge of odd.edges) expect(odd.nodes.find((n) => n.id === edge.parentId)!.y).toBeLessThan(odd.nodes.find((n) => n.id === edge.childId)!.y);
  });

  it('draws a lone asset', () => {
    const lone = layoutLineage({ assetId: '4', nodes: [node('4')], edges: [], truncated: false });
    expect(lone.nodes).toMatchObject([{ id: '4', layer: 0, relation: 'asset' }]);
    expect(lone.width).toBeGreaterThanOrEqual(BOX.width);
  });
});

describe('LineageGraph', () => {
  const html = renderToStaticMarkup(createElement(LineageGraph, { graph }));

  it('labels each edge with its share and the job that entitled it', () => {
    const labels = [...html.matchAll(/<text[^>]*text-anchor="middle"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(labels.sort()).toEqual(['10%', '15%', '2.5%', '20%', '5%', 'job 12', 'job 4'].sort());
  });

  it('links every other asset to its page, named by how it relates to this one', () => {
    const links = [...html.matchAll(/<a href="([^"]+)" aria-label="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(links).toEqual(
      expect.arrayContaining([
        ['/datasets/3', 'Dataset #3: Synthetic ICU patient vitals (compute-only), parent of this model, receives 10%, through job 12'],
        ['/datasets/5', 'Dataset #5: Asset 5, parent of this model, receives 5%'],
        ['/datasets/1', 'Dataset #1: Asset 1, ancestor of this model'],
        ['/datasets/11', 'Model #11: Asset 11, derived from this model, pays it 20%'],
        ['/datasets/12', 'Model #12: metadata not verified yet, derived from a derivative of this model'],
      ]),
    );
    expect(links).toHaveLength(5);
    expect(html).not.toContain('href="/datasets/9"');
    expect(html).toContain('aria-current="page"');
  });

  it('names the picture and shortens long titles in their boxes', () => {
    expect(html).toContain('aria-label="Lineage of Model #9: 3 assets it derives from above it, 2 derived from it below"');
    expect(html).toContain('>Synthetic ICU patient v…</text>');
    expect(html).toMatch(/<svg[^>]*width="\d+"[^>]*height="\d+"/);
  });
});
