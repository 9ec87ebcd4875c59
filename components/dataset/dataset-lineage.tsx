import Link from 'next/link';
import { ReadFailure } from '@/components/layout/read-failure';
import { assetName, CONTENT_DIFFERS, LineageGraph } from '@/components/lineage/lineage-graph';
import { percent } from '@/lib/licence/explain';
import { royaltyLines, type Stablecoin } from '@/components/lineage/royalties';
import type { AssetKind, AssetRoyalties } from '@/lib/indexer/api';
import { formatAmount } from '@/lib/units';
import type { Lineage } from '@/lib/web/queries/lineage';
import { Section } from './section';

const link = 'font-medium text-brand underline-offset-4 hover:underline';

/** What the asset was derived from: each parent with its share of this asset's sales and what entitled it. */
function Parents({ lineage }: { lineage: Extract<Lineage, { available: true }> }) {
  const { graph } = lineage;
  const parents = graph.edges.filter((e) => e.childId === graph.assetId);
  if (parents.length === 0) return null;
  const node = (id: string) => graph.nodes.find((n) => n.id === id);
  return (
    <div>
      <h3 className="text-sm font-medium">Derived from</h3>
      <ul aria-label="Parents" className="mt-2 divide-y divide-line border-y border-line text-sm">
        {parents.map((edge) => {
          const parent = node(edge.parentId);
          return (
            <li key={edge.parentId} className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 py-2">
              <Link href={`/datasets/${edge.parentId}`} className={link}>
                {parent ? assetName(parent) : `#${edge.parentId}`}
                {parent?.title ? `: ${parent.title}` : ''}
              </Link>
              <span className="text-muted">
                <span className="font-medium text-ink tabular-nums">{percent(edge.bps)}</span> of each sale
                {edge.jobId === null ? ', licensed or owned' : `, trained in compute job ${edge.jobId}`}
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function Royalties({ royalties, stablecoin, hasParents, noun }: { royalties: AssetRoyalties; stablecoin: Stablecoin; hasParents: boolean; noun: string }) {
  const figures: [string, string[], string][] = [
    ['Earned from derivatives', royaltyLines(stablecoin, royalties.earned), `paid to this ${noun}’s owner by sales of what derives from it`],
    ...(hasParents ? ([['Paid to its ancestors', royaltyLines(stablecoin, royalties.paid), `taken from this ${noun}’s sales, after the market fee`]] as [string, string[], string][]) : []),
  ];
  return (
    <div>
      <h3 className="text-sm font-medium">Royalties</h3>
      <dl className="mt-2 grid gap-3 sm:grid-cols-2">
        {figures.map(([label, lines, note]) => (
          <div key={label} className="rounded-lg border border-line p-3">
            <dt className="text-xs text-muted">{label}</dt>
            {lines.length > 0 ? (
              lines.map((line) => (
                <dd key={line} className="mt-1 font-semibold tabular-nums">
                  {line}
                </dd>
              ))
            ) : (
              <dd className="mt-1 font-semibold">None yet</dd>
            )}
            <dd className="text-xs text-muted">{note}</dd>
          </div>
        ))}
      </dl>
      {royalties.fromDerivatives.length > 0 ? (
        <>
          <h4 className="mt-4 text-xs font-medium text-muted">Derivatives that paid the most</h4>
          <ul aria-label="Derivatives that paid royalties" className="mt-1 divide-y divide-line border-y border-line text-sm">
            {royalties.fromDerivatives.map((d) => (
              <li key={d.assetId} className="flex items-baseline justify-between gap-4 py-2">
                <Link href={`/datasets/${d.assetId}`} className={`min-w-0 ${link}`}>
                  #{d.assetId} {d.title ?? ''}
                </Link>
                {/* Derivatives are ranked by what they paid in the market's stablecoin. */}
                <span className="shrink-0 font-medium tabular-nums">{formatAmount(BigInt(d.amount), stablecoin)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

/** Where the asset comes from and what derives from it, as the registry records it, and the royalties that flow along. */
export function DatasetLineage({ lineage, kind }: { lineage: Lineage; kind: AssetKind }) {
  if (!lineage.available) {
    return (
      <Section id="lineage" title="Lineage">
        <ReadFailure
          title="The lineage cannot be read right now"
          body="It comes from the indexer, which follows the chain; the registry still enforces every parent’s terms and pays every royalty."
          message={lineage.message}
          hint={lineage.hint}
        />
      </Section>
    );
  }
  const { graph, royalties, stablecoin } = lineage;
  const hasParents = graph.edges.some((e) => e.childId === graph.assetId);
  const differs = graph.nodes.find((n) => n.id === graph.assetId)?.contentMatches === false;
  return (
    <Section
      id="lineage"
      title="Lineage"
      intro={`What this ${kind} was derived from, above it, and what was derived from it, below, as the registry records them. Each arrow gives the share of the child’s sales paid to the parent’s owner, and the compute job that proved it where there is one.`}
    >
      <div className="space-y-6">
        {differs ? (
          <p role="status" className="rounded-lg border border-warn/40 bg-warn-soft p-3 text-sm">
            Careful: {CONTENT_DIFFERS}. Its parents’ terms and royalties still bind it, but its lineage does not vouch for the file a licence buys.
          </p>
        ) : null}
        {graph.edges.length === 0 ? (
          <p className="text-sm text-muted">Not derived from another asset, and nothing has been derived from it yet.</p>
        ) : (
          <LineageGraph graph={graph} />
        )}
        {graph.truncated ? <p className="text-xs text-muted">Only the first generations of derivatives are drawn: some were left out.</p> : null}
        <Parents lineage={lineage} />
        <Royalties royalties={royalties} stablecoin={stablecoin} hasParents={hasParents} noun={kind} />
      </div>
    </Section>
  );
}
