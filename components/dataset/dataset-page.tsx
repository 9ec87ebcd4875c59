import Link from 'next/link';
import { LicenceSummary } from '@/components/licence/licence-summary';
import { OwnerLink } from '@/components/owners/owner-link';
import { HeldLicence } from '@/components/purchases/held-licence';
import { periodText } from '@/lib/licence/explain';
import { DatasetActions } from './dataset-actions';
import { DatasetCompute } from './dataset-compute';
import { DatasetLineage } from './dataset-lineage';
import { DatasetPreview, DatasetSchema } from './dataset-contents';
import { DatasetHistory, DatasetIntegrity } from './dataset-record';
import { DatasetSales } from './dataset-sales';
import { formatBytes } from '@/lib/units';
import { formatDateTime } from './format';
import type { DatasetView, Providers, Sales } from '@/lib/web/queries/dataset';
import type { Lineage } from '@/lib/web/queries/lineage';
import { Section } from './section';
import { RequireWallet } from '@/components/wallet/wallet-providers';

const chip = 'rounded-full border border-line px-2.5 py-0.5 text-xs font-medium';

function Header({ dataset }: { dataset: DatasetView }) {
  const { document } = dataset;
  return (
    <header className="space-y-4">
      <p className="flex flex-wrap items-center gap-2">
        <span className="text-sm text-muted">
          {dataset.kind === 'model' ? 'Model' : 'Dataset'} #{dataset.id}
        </span>
        {dataset.kind === 'model' ? <span className={`${chip} border-brand/40 bg-brand-soft text-brand`}>Model</span> : null}
        {dataset.listed ? (
          <span className={`${chip} border-ok/40 text-ok`}>Listed</span>
        ) : (
          <span className={`${chip} border-warn/40 bg-warn-soft text-warn`}>Delisted</span>
        )}
        <span className={`${chip} bg-brand-soft`}>{dataset.licence}</span>
      </p>
      <h1 className="text-3xl font-semibold tracking-tight text-balance sm:text-4xl">{document.title}</h1>
      <p className="min-w-0 text-sm text-muted">
        Owner <OwnerLink address={dataset.owner} full />
      </p>
      {document.description ? <p className="max-w-3xl leading-relaxed whitespace-pre-line">{document.description}</p> : null}
      {document.tags.length > 0 ? (
        <ul aria-label="Tags" className="flex flex-wrap gap-x-3 gap-y-1 text-sm text-muted">
          {document.tags.map((tag) => (
            <li key={tag}>#{tag}</li>
          ))}
        </ul>
      ) : null}
    </header>
  );
}

function Price({ label, amount, note }: { label: string; amount: string; note: string }) {
  return (
    <div>
      <dt className="text-sm text-muted">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tracking-tight tabular-nums">{amount}</dd>
      <dd className="text-xs text-muted">{note}</dd>
    </div>
  );
}

/** Prices, the actions that spend them and the file's facts: the panel beside the page on wide screens. */
function AccessPanel({ dataset, providers }: { dataset: DatasetView; providers: Providers }) {
  const { document, terms } = dataset;
  const facts = [
    ['Format', document.format],
    ['Size', formatBytes(document.size)],
    ...(document.rowCount !== undefined ? [['Rows', document.rowCount.toLocaleString('en-US')]] : []),
    ...(document.columns ? [['Columns', document.columns.length.toLocaleString('en-US')]] : []),
    ['Version', `v${dataset.version}`],
    ['Published', formatDateTime(dataset.publishedAt)],
    ...(dataset.version > 1 ? [['Updated', formatDateTime(dataset.updatedAt)]] : []),
  ];
  return (
    <section aria-labelledby="access-title" className="rounded-xl border border-line bg-surface p-5 shadow-sm sm:p-6">
      <h2 id="access-title" className="text-lg font-semibold tracking-tight">
        Get access
      </h2>
      <dl className="mt-4 space-y-4">
        {terms.computeOnly ? null : (
          <Price label="Download licence" amount={dataset.downloadPrice.label} note={terms.accessDuration === 0n ? 'perpetual' : `for ${periodText(terms.accessDuration)}`} />
        )}
        {dataset.computeEnabled ? <Price label="Compute job" amount={dataset.computePrice.label} note="per job, plus the provider’s minutes" /> : null}
      </dl>
      {dataset.listed ? null : (
        <p role="status" className="mt-4 rounded-lg border border-warn/40 bg-warn-soft p-3 text-sm">
          Delisted: no new licences are sold. Licences already sold stay valid.
        </p>
      )}
      <HeldLicence datasetId={dataset.id} />
      <div className="mt-5">
        <RequireWallet>
          <DatasetActions
            datasetId={dataset.id}
            title={document.title}
            owner={dataset.owner}
            listed={dataset.listed}
            computeOnly={terms.computeOnly}
            allowedProviders={providers?.available ? providers.providers.length : undefined}
            termsId={dataset.termsId}
            downloadPrice={dataset.downloadPrice.amount.toString()}
            computePrice={dataset.computePrice.amount.toString()}
            downloadPriceLabel={dataset.downloadPrice.label}
            computePriceLabel={dataset.computePrice.label}
          />
        </RequireWallet>
      </div>
      <dl className="mt-6 grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 border-t border-line pt-5 text-sm">
        {facts.map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="text-muted">{term}</dt>
            <dd className="text-right tabular-nums">{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function Licence({ dataset }: { dataset: DatasetView }) {
  const { terms } = dataset;
  return (
    <Section id="licence" title="Licence" intro={`What a licence holder may do under the ${dataset.licence} terms, in plain language. The legal text is what binds.`}>
      <LicenceSummary terms={terms} />
      <p className="mt-5 text-sm">
        {dataset.legalHref ? (
          <a href={dataset.legalHref} className="font-medium text-brand underline-offset-4 hover:underline">
            Read the legal text
          </a>
        ) : (
          <>
            Legal text: <code className="font-mono text-xs break-all">{terms.uri}</code>
          </>
        )}
      </p>
    </Section>
  );
}

/**
 * The dataset page, a model's too: what the asset is, under which licence, at what price, where it comes from and
 * what derives from it, how it sells and how to check it.
 */
export function DatasetPage({ dataset, sales, providers, lineage }: { dataset: DatasetView; sales: Sales; providers: Providers; lineage: Lineage }) {
  return (
    <div className="mx-auto max-w-6xl px-4 py-10 sm:px-6 sm:py-12">
      <nav aria-label="Breadcrumb" className="mb-6 text-sm">
        <Link href="/#datasets" className="rounded text-muted hover:text-ink">
          ← The market
        </Link>
      </nav>
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem] lg:gap-8">
        <div className="lg:col-start-1">
          <Header dataset={dataset} />
        </div>
        {/* Second in the source so phones show prices and actions right under the title. */}
        <aside className="lg:sticky lg:top-6 lg:col-start-2 lg:row-span-2 lg:row-start-1 lg:self-start">
          <AccessPanel dataset={dataset} providers={providers} />
        </aside>
        <div className="min-w-0 space-y-6 lg:col-start-1">
          <Licence dataset={dataset} />
          <DatasetSchema columns={dataset.document.columns} />
          <DatasetPreview preview={dataset.document.preview} />
          <DatasetLineage lineage={lineage} kind={dataset.kind} />
          <DatasetSales sales={sales} />
          <DatasetCompute providers={providers} computePrice={dataset.computePrice.label} computeOnly={dataset.terms.computeOnly} />
          <DatasetHistory history={dataset.history} />
          <DatasetIntegrity dataset={dataset} />
        </div>
      </div>
    </div>
  );
}
