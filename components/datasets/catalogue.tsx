import Link from 'next/link';
import { OwnerLink } from '@/components/owners/owner-link';
import { formatBytes } from '@/lib/units';
import type { Catalogue as CatalogueData, CatalogueEntry, CatalogueFilters } from '@/lib/web/queries/catalogue';

const LICENCE_FLAGS = [
  ['commercial', 'Commercial use'],
  ['derivatives', 'Derivatives'],
  ['aiTraining', 'AI training'],
  ['computeOnly', 'Compute-only'],
] as const;

/** What the market lists: everything, or only datasets or only models (the indexer's `kind`). */
const KINDS = [
  ['', 'Datasets and models'],
  ['dataset', 'Datasets'],
  ['model', 'Models'],
] as const;

const SORTS = [
  ['', 'Best match, else newest'],
  ['newest', 'Newest'],
  ['price', 'Price, lowest first'],
  ['sales', 'Most sales'],
  ['revenue', 'Most revenue'],
] as const;

const field = 'rounded-lg border border-line bg-background px-3 py-2 text-sm';
const chip = 'rounded-full border border-line px-2 py-0.5';

/** Any field but the page number is set. */
const isSearch = (filters: CatalogueFilters) => Object.keys(filters).some((name) => name !== 'page');

/** The search form: a plain GET of the home page, so it works without JavaScript and every result has a URL. */
function SearchForm({ filters }: { filters: CatalogueFilters }) {
  return (
    <form method="get" action="/#datasets" className="space-y-3 rounded-xl border border-line bg-surface p-4 shadow-sm sm:space-y-4 sm:p-5">
      {/* On a phone the button stays beside the box, and the kind and the sort share the row below them. */}
      <div className="flex flex-wrap gap-2 sm:flex-nowrap sm:gap-3">
        <input type="search" name="q" defaultValue={filters.q} placeholder="Search titles, descriptions and tags" aria-label="Search" className={`${field} min-w-0 flex-1 basis-3/5 sm:basis-auto`} />
        <button type="submit" className="rounded-lg bg-brand px-4 py-2 text-sm font-semibold text-brand-ink shadow-sm transition hover:opacity-90 sm:order-last">
          Search
        </button>
        <select name="kind" defaultValue={filters.kind ?? ''} aria-label="Kind" className={`${field} min-w-0 flex-1 basis-2/5 sm:w-auto sm:flex-none sm:basis-auto`}>
          {KINDS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <select name="sort" defaultValue={filters.sort ?? ''} aria-label="Sort" className={`${field} min-w-0 flex-1 basis-2/5 sm:w-auto sm:flex-none sm:basis-auto`}>
          {SORTS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="flex flex-wrap items-center gap-x-5 gap-y-2 text-sm sm:gap-y-3">
        {LICENCE_FLAGS.map(([name, label]) => (
          <label key={name} className="flex items-center gap-2">
            <input type="checkbox" name={name} value="true" defaultChecked={filters[name] === 'true'} />
            {label}
          </label>
        ))}
        <label className="flex items-center gap-2">
          Price from
          <input name="minPrice" inputMode="decimal" defaultValue={filters.minPrice} placeholder="0" className={`${field} w-20`} />
        </label>
        <label className="flex items-center gap-2">
          to
          <input name="maxPrice" inputMode="decimal" defaultValue={filters.maxPrice} placeholder="any" className={`${field} w-20`} />
        </label>
        {/* Only a search has something to clear; without one the row stays short on a phone. */}
        {isSearch(filters) ? (
          <Link href="/#datasets" className="ml-auto rounded-lg border border-line px-4 py-2 font-semibold transition hover:bg-brand-soft">
            Clear
          </Link>
        ) : null}
      </div>
    </form>
  );
}

function DatasetCard({ d }: { d: CatalogueEntry }) {
  return (
    <li className="relative min-w-0 rounded-xl border border-line bg-surface p-5 shadow-sm transition hover:border-brand/50">
      <div className="flex items-baseline justify-between gap-3">
        <h3 className="font-semibold">
          {/* The link's box stretches over the card, so the whole card opens the dataset. */}
          <Link href={`/datasets/${d.id}`} className="rounded after:absolute after:inset-0 after:rounded-xl hover:text-brand">
            <span className="text-muted">#{d.id}</span> {d.title ?? <span className="text-muted">metadata not verified yet</span>}
          </Link>
        </h3>
        <span className="shrink-0 font-semibold tabular-nums">{d.price}</span>
      </div>
      {d.description ? <p className="mt-2 line-clamp-2 text-sm text-muted sm:line-clamp-none">{d.description}</p> : null}
      <p className="mt-3 flex flex-wrap gap-2 text-xs">
        {d.kind === 'model' ? <span className={`${chip} border-brand/40 bg-brand-soft text-brand`}>Model</span> : null}
        <span className={chip}>{d.licence}</span>
        {d.format !== undefined && d.size !== undefined ? (
          <span className={chip}>
            {d.format} · {formatBytes(d.size)}
            {d.rowCount !== undefined ? ` · ${d.rowCount.toLocaleString('en-US')} rows` : ''}
          </span>
        ) : null}
        {d.sales !== undefined ? <span className={chip}>{d.sales === 1 ? '1 sale' : `${d.sales.toLocaleString('en-US')} sales`}</span> : null}
        {d.listed ? null : <span className={chip}>delisted</span>}
        {d.tags.map((tag) => (
          <span key={tag} className="text-muted">
            #{tag}
          </span>
        ))}
      </p>
      <p className="mt-3 truncate font-mono text-xs text-muted" title={d.owner}>
        {/* Above the card's stretched link, so the owner opens their page. */}
        owner <OwnerLink address={d.owner} className="relative z-10" /> · v{d.version}
      </p>
    </li>
  );
}

/** Links to the neighbouring pages, keeping the filters. */
function Pages({ filters, page, pages }: { filters: CatalogueFilters; page: number; pages: number }) {
  if (pages <= 1) return null;
  const href = (to: number) => `/?${new URLSearchParams({ ...filters, page: String(to) }).toString()}#datasets`;
  const link = 'rounded-lg border border-line px-4 py-2 font-semibold transition hover:bg-brand-soft';
  return (
    <nav aria-label="Pages" className="flex items-center justify-between text-sm">
      {page > 1 ? (
        <Link href={href(page - 1)} className={link}>
          Previous
        </Link>
      ) : (
        <span />
      )}
      <span className="text-muted">
        Page {page} of {pages}
      </span>
      {page < pages ? (
        <Link href={href(page + 1)} className={link}>
          Next
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}

/** "1 dataset", "12 models", "3 datasets and models". */
function countText(total: number, kind: string | undefined): string {
  const [one, many] = kind === 'model' ? ['model', 'models'] : kind === 'dataset' ? ['dataset', 'datasets'] : ['dataset or model', 'datasets and models'];
  return `${total.toLocaleString('en-US')} ${total === 1 ? one : many}`;
}

function Results({ catalogue, filters }: { catalogue: CatalogueData; filters: CatalogueFilters }) {
  if (!catalogue.available) {
    return (
      <div className="rounded-xl border border-line bg-surface p-5 text-sm">
        <p className="font-medium">The catalogue cannot be read: {catalogue.message}</p>
        <p className="mt-1 text-muted">{catalogue.hint}</p>
      </div>
    );
  }
  const searching = isSearch(filters);
  return (
    <>
      {catalogue.source === 'chain' ? (
        <p role="status" className="rounded-xl border border-warn/40 bg-warn-soft p-4 text-sm">
          {catalogue.note}
        </p>
      ) : (
        <p className="text-sm text-muted">{countText(catalogue.total, filters.kind)}</p>
      )}
      {catalogue.entries.length === 0 ? (
        <p className="text-muted">{searching ? `No ${filters.kind === 'model' ? 'models' : 'datasets'} match this search.` : 'No datasets yet: publish one with `npx datagora publish`.'}</p>
      ) : (
        <ul className="grid gap-4 md:grid-cols-2">
          {catalogue.entries.map((d) => (
            <DatasetCard key={d.id} d={d} />
          ))}
        </ul>
      )}
      {catalogue.source === 'indexer' ? <Pages filters={filters} page={catalogue.page} pages={Math.ceil(catalogue.total / catalogue.pageSize)} /> : null}
    </>
  );
}

/** The datasets on the market: a search form, then what they are, under which licence, at what price. */
export function Catalogue({ catalogue, filters }: { catalogue: CatalogueData; filters: CatalogueFilters }) {
  return (
    <div className="space-y-4 sm:space-y-6">
      <SearchForm filters={filters} />
      <Results catalogue={catalogue} filters={filters} />
    </div>
  );
}
