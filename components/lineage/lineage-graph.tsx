/**
 * An asset's lineage as a picture: the assets it was derived from above it, those derived from it below, each
 * edge labelled with the share of the child's sales its parent receives and, where a compute job entitled the
 * child to the parent, that job. Every other asset links to its page; each link's name says how it relates. An
 * asset whose current file is not the content registered with its lineage is marked.
 */
import { TableScroller } from '@/components/dataset/section';
import { percent } from '@/lib/licence/explain';
import type { AssetLineage, LineageEdge } from '@/lib/indexer/api';
import { BOX, layoutLineage, type PlacedNode } from './layout';

/** Characters of a title that fit a box at the picture's font size. */
const TITLE_CHARS = 24;

const KIND = { dataset: 'Dataset', model: 'Model' } as const;

const fit = (text: string, chars: number) => (text.length > chars ? `${text.slice(0, chars - 1).trimEnd()}…` : text);

/** "Model #9". */
export const assetName = (node: Pick<PlacedNode, 'id' | 'kind'>) => `${KIND[node.kind]} #${node.id}`;

/** What an edge carries, in words: "10%, through job 12". */
export function edgeText(edge: Pick<LineageEdge, 'bps' | 'jobId'>): string {
  return `${percent(edge.bps)}${edge.jobId === null ? '' : `, through job ${edge.jobId}`}`;
}

/** Said of an asset whose current file is not the content its lineage registered (proven, for a job's output). */
export const CONTENT_DIFFERS = 'the file it sells is not the content registered with its lineage';

/** How `node` relates to the asset, for its link's name. */
function relationText(node: PlacedNode, asset: PlacedNode, edges: readonly LineageEdge[]): string {
  const noun = asset.kind;
  const direct = edges.find((e) => (e.parentId === node.id && e.childId === asset.id) || (e.childId === node.id && e.parentId === asset.id));
  if (node.relation === 'ancestor') return direct ? `parent of this ${noun}, receives ${edgeText(direct)}` : `ancestor of this ${noun}`;
  return direct ? `derived from this ${noun}, pays it ${edgeText(direct)}` : `derived from a derivative of this ${noun}`;
}

function Box({ node, label }: { node: PlacedNode; label: string | null }) {
  const isAsset = node.relation === 'asset';
  const differs = node.contentMatches === false;
  const title = node.title ?? 'metadata not verified yet';
  const box = (
    <>
      <rect
        x={node.x}
        y={node.y}
        width={BOX.width}
        height={BOX.height}
        rx={node.kind === 'model' ? 14 : 6}
        fill={node.kind === 'model' ? 'var(--brand-soft)' : 'var(--surface)'}
        stroke={differs ? 'var(--warn)' : isAsset ? 'var(--brand)' : 'var(--line)'}
        strokeWidth={isAsset || differs ? 2.5 : 1.5}
        strokeDasharray={differs ? '6 4' : undefined}
      />
      <text x={node.x + 12} y={node.y + 21} fontSize={13} fontWeight={600} fill="currentColor">
        {fit(title, TITLE_CHARS)}
      </text>
      <text x={node.x + 12} y={node.y + 40} fontSize={12} fill="var(--muted)">
        {assetName(node)}
        {differs ? ' · file differs' : isAsset ? ' · this page' : ''}
      </text>
    </>
  );
  if (label === null) {
    return (
      <g aria-current="page">
        <title>{`${assetName(node)}: ${title}${differs ? `; ${CONTENT_DIFFERS}` : ''}`}</title>
        {box}
      </g>
    );
  }
  return (
    <a href={`/datasets/${node.id}`} aria-label={label} className="hover:opacity-80">
      <title>{label}</title>
      {box}
    </a>
  );
}

function EdgeLabel({ edge }: { edge: ReturnType<typeof layoutLineage>['edges'][number] }) {
  const lines = [percent(edge.bps), ...(edge.jobId === null ? [] : [`job ${edge.jobId}`])];
  const width = Math.max(...lines.map((line) => line.length)) * 7 + 12;
  const height = lines.length * 15 + 6;
  const { x, y } = edge.label;
  return (
    <g>
      <rect x={x - width / 2} y={y - height / 2} width={width} height={height} rx={4} fill="var(--surface)" stroke="var(--line)" />
      {lines.map((line, i) => (
        <text key={line} x={x} y={y - height / 2 + 15 + i * 15} textAnchor="middle" fontSize={12} fontWeight={i === 0 ? 600 : 400} fill={i === 0 ? 'currentColor' : 'var(--muted)'}>
          {line}
        </text>
      ))}
    </g>
  );
}

/** The lineage picture of `graph`'s asset, at its natural size in a region that scrolls sideways when wider than the page. */
export function LineageGraph({ graph }: { graph: AssetLineage }) {
  const layout = layoutLineage(graph);
  const asset = layout.nodes.find((n) => n.relation === 'asset');
  if (!asset) return null;
  const ancestors = layout.nodes.filter((n) => n.relation === 'ancestor').length;
  const descendants = layout.nodes.filter((n) => n.relation === 'descendant').length;
  const summary = `Lineage of ${assetName(asset)}: ${ancestors} ${ancestors === 1 ? 'asset' : 'assets'} it derives from above it, ${descendants} derived from it below`;
  return (
    <TableScroller label="Lineage picture">
      <svg
        role="group"
        aria-label={summary}
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        className="mx-auto block max-w-none font-sans text-ink"
      >
        <title>{summary}</title>
        <defs>
          <marker id="lineage-arrow" viewBox="0 0 10 10" refX={9} refY={5} markerWidth={7} markerHeight={7} orient="auto-start-reverse">
            <path d="M0 0L10 5L0 10z" fill="var(--muted)" />
          </marker>
        </defs>
        {/* The links' names say what each edge carries; the drawn edges are for the eye. */}
        <g aria-hidden="true">
          {layout.edges.map((edge) => (
            <path key={`${edge.parentId}-${edge.childId}`} d={edge.path} fill="none" stroke="var(--muted)" strokeWidth={1.5} markerEnd="url(#lineage-arrow)">
              <title>{`#${edge.parentId} → #${edge.childId}: ${edgeText(edge)}`}</title>
            </path>
          ))}
          {layout.edges.map((edge) => (
            <EdgeLabel key={`${edge.parentId}-${edge.childId}`} edge={edge} />
          ))}
        </g>
        {layout.nodes.map((node) => (
          <Box
            key={node.id}
            node={node}
            label={node.relation === 'asset' ? null : `${assetName(node)}: ${node.title ?? 'metadata not verified yet'}, ${relationText(node, asset, layout.edges)}${node.contentMatches === false ? `; ${CONTENT_DIFFERS}` : ''}`}
          />
        ))}
      </svg>
    </TableScroller>
  );
}
