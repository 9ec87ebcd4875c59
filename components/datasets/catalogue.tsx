import type { Catalogue as CatalogueData } from './read-catalogue';

const megabytes = (bytes: number) => `${(bytes / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;

/** The datasets on the market: what they are, under which licence, at what price. */
export function Catalogue({ catalogue }: { catalogue: CatalogueData }) {
  if (!catalogue.available) {
    return (
      <div className="rounded-xl border border-line bg-surface p-5 text-sm">
        <p className="font-medium">The catalogue cannot be read: {catalogue.message}</p>
        <p className="mt-1 text-muted">{catalogue.hint}</p>
      </div>
    );
  }
  if (catalogue.entries.length === 0) {
    return <p className="text-muted">No datasets yet: publish one with `npx datagora publish`.</p>;
  }
  return (
    <ul className="grid gap-4 md:grid-cols-2">
      {catalogue.entries.map((d) => (
        <li key={d.id} className="rounded-xl border border-line bg-surface p-5 shadow-sm">
          <div className="flex items-baseline justify-between gap-3">
            <h3 className="font-semibold">
              <span className="text-muted">#{d.id}</span> {d.title}
            </h3>
            <span className="shrink-0 font-semibold tabular-nums">{d.price}</span>
          </div>
          {d.description ? <p className="mt-2 text-sm text-muted">{d.description}</p> : null}
          <p className="mt-3 flex flex-wrap gap-2 text-xs">
            <span className="rounded-full border border-line px-2 py-0.5">{d.licence}</span>
            <span className="rounded-full border border-line px-2 py-0.5">
              {d.format} · {megabytes(d.size)}
              {d.rowCount !== undefined ? ` · ${d.rowCount.toLocaleString('en-US')} rows` : ''}
            </span>
            {d.listed ? null : <span className="rounded-full border border-line px-2 py-0.5">delisted</span>}
            {d.tags.map((tag) => (
              <span key={tag} className="text-muted">
                #{tag}
              </span>
            ))}
          </p>
          <p className="mt-3 truncate font-mono text-xs text-muted" title={d.owner}>
            owner {d.owner} · v{d.version}
          </p>
        </li>
      ))}
    </ul>
  );
}
