/**
 * Where the lineage picture puts each asset and edge: a layered drawing computed here, without a layout
 * library. The asset sits in layer 0, each ancestor as many layers above as its longest path down to the asset,
 * each descendant as many below as its longest path from it, so every edge points down. Within a layer, assets
 * are ordered by the mean position of their parents, then of their children, which untangles most crossings.
 */
import type { AssetLineage, LineageEdge, LineageNode } from '@/lib/indexer/api';

export const BOX = { width: 200, height: 52 } as const;
const GAP_X = 28;
/** Room between layers for the edges' labels. */
const GAP_Y = 88;
const MARGIN = 4;
/** How far apart the ends of several edges meeting one box are. */
const PORT_SPACING = 22;

export type Relation = 'asset' | 'ancestor' | 'descendant';

export interface PlacedNode extends LineageNode {
  relation: Relation;
  /** Layers from the asset: negative above it, positive below. */
  layer: number;
  /** Top-left corner of its box. */
  x: number;
  y: number;
}

export interface PlacedEdge extends LineageEdge {
  /** An SVG path from the bottom of the parent's box to the top of the child's. */
  path: string;
  /** Where the label goes: on the curve, halfway across the gap right above the child. */
  label: { x: number; y: number };
}

export interface LineageLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

/** Decimal ids in numeric order. */
export const byId = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/**
 * The longest path from `start` to each node reachable through `next`. A cycle (which the registry cannot make)
 * is cut where it closes, so bad data still draws.
 */
function longestPaths(start: string, next: Map<string, string[]>): Map<string, number> {
  const depth = new Map<string, number>([[start, 0]]);
  const onPath = new Set<string>();
  const visit = (id: string, d: number) => {
    onPath.add(id);
    for (const to of next.get(id) ?? []) {
      if (onPath.has(to) || (depth.get(to) ?? -1) >= d + 1) continue;
      depth.set(to, d + 1);
      visit(to, d + 1);
    }
    onPath.delete(id);
  };
  visit(start, 0);
  return depth;
}

function adjacency(edges: readonly LineageEdge[], from: 'parentId' | 'childId', to: 'parentId' | 'childId'): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const edge of edges) map.set(edge[from], [...(map.get(edge[from]) ?? []), edge[to]]);
  return map;
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** Reorders each layer by the mean index of its neighbours in the layer before it (a barycentre sweep). */
function sweep(layers: string[][], neighbours: Map<string, string[]>): void {
  for (let i = 1; i < layers.length; i++) {
    const before = new Map(layers[i - 1]!.map((id, index) => [id, index]));
    const key = new Map(
      layers[i]!.map((id, index) => {
        const placed = (neighbours.get(id) ?? []).filter((n) => before.has(n)).map((n) => before.get(n)!);
        return [id, placed.length > 0 ? mean(placed) : index];
      }),
    );
    layers[i]!.sort((a, b) => key.get(a)! - key.get(b)! || byId(a, b));
  }
}

/** Offsets of `count` edge ends spread along a box's edge, centred. */
const ports = (count: number) => Array.from({ length: count }, (_, i) => (i - (count - 1) / 2) * Math.min(PORT_SPACING, (BOX.width - 24) / count));

/** The point of the cubic from (x1, y1) to (x2, y2), with vertical tangents at both ends, at height `y`. */
function pointAtHeight(x1: number, y1: number, x2: number, y2: number, y: number): { x: number; y: number } {
  const ym = (y1 + y2) / 2;
  const at = (t: number, a: number, b: number, c: number, d: number) => (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t ** 2 * c + t ** 3 * d;
  // Height grows monotonically along the curve: bisect for the parameter at `y`.
  let [low, high] = [0, 1];
  for (let i = 0; i < 24; i++) {
    const t = (low + high) / 2;
    if (at(t, y1, ym, ym, y2) < y) low = t;
    else high = t;
  }
  return { x: at(low, x1, x1, x2, x2), y };
}

/** The drawing of `graph` around its asset; nodes related to the asset by no edge are left out. */
export function layoutLineage(graph: AssetLineage): LineageLayout {
  const known = new Set(graph.nodes.map((n) => n.id));
  const edges = graph.edges.filter((e) => known.has(e.parentId) && known.has(e.childId));
  const parents = adjacency(edges, 'childId', 'parentId');
  const children = adjacency(edges, 'parentId', 'childId');
  const up = longestPaths(graph.assetId, parents);
  const down = longestPaths(graph.assetId, children);
  const relation = (id: string): Relation | undefined => (id === graph.assetId ? 'asset' : up.has(id) ? 'ancestor' : down.has(id) ? 'descendant' : undefined);
  const layerOf = (id: string) => (id === graph.assetId ? 0 : up.has(id) ? -up.get(id)! : down.get(id)!);

  const shown = graph.nodes.filter((n) => relation(n.id) !== undefined);
  const top = Math.min(0, ...shown.map((n) => layerOf(n.id)));
  const bottom = Math.max(0, ...shown.map((n) => layerOf(n.id)));
  const layers: string[][] = Array.from({ length: bottom - top + 1 }, () => []);
  for (const node of [...shown].sort((a, b) => byId(a.id, b.id))) layers[layerOf(node.id) - top]!.push(node.id);
  sweep(layers, parents);
  // Upwards too: grandparents line up above the parents they are of.
  layers.reverse();
  sweep(layers, children);
  layers.reverse();

  const widest = Math.max(...layers.map((layer) => layer.length));
  const width = widest * BOX.width + (widest - 1) * GAP_X + 2 * MARGIN;
  const height = layers.length * BOX.height + (layers.length - 1) * GAP_Y + 2 * MARGIN;
  const position = new Map<string, { x: number; y: number; index: number }>();
  layers.forEach((layer, row) => {
    const start = (width - (layer.length * BOX.width + (layer.length - 1) * GAP_X)) / 2;
    layer.forEach((id, index) => position.set(id, { x: start + index * (BOX.width + GAP_X), y: MARGIN + row * (BOX.height + GAP_Y), index }));
  });

  const nodes = shown.map((node) => ({ ...node, relation: relation(node.id)!, layer: layerOf(node.id), ...position.get(node.id)! }));
  // Only edges that point down: one closing a cycle would point up.
  const drawn = edges.filter((e) => position.has(e.parentId) && position.has(e.childId) && position.get(e.parentId)!.y < position.get(e.childId)!.y);
  // Several edges leaving or reaching one box get ends of their own, in the order of the boxes at their other end.
  const endsOf = (id: string, side: 'parentId' | 'childId', other: 'parentId' | 'childId') => {
    const mine = drawn.filter((e) => e[side] === id).sort((a, b) => position.get(a[other])!.x - position.get(b[other])!.x);
    return new Map(mine.map((e, i) => [e, ports(mine.length)[i]!]));
  };
  const outs = new Map([...known].map((id) => [id, endsOf(id, 'parentId', 'childId')]));
  const ins = new Map([...known].map((id) => [id, endsOf(id, 'childId', 'parentId')]));
  const placedEdges = drawn.map((edge) => {
    const from = position.get(edge.parentId)!;
    const to = position.get(edge.childId)!;
    const x1 = from.x + BOX.width / 2 + outs.get(edge.parentId)!.get(edge)!;
    const y1 = from.y + BOX.height;
    const x2 = to.x + BOX.width / 2 + ins.get(edge.childId)!.get(edge)!;
    const y2 = to.y;
    const ym = (y1 + y2) / 2;
    return { ...edge, path: `M${x1} ${y1}C${x1} ${ym} ${x2} ${ym} ${x2} ${y2}`, label: pointAtHeight(x1, y1, x2, y2, y2 - GAP_Y / 2) };
  });
  return { width, height, nodes, edges: placedEdges };
}
