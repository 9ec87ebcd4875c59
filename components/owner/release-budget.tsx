'use client';
/**
 * What compute jobs may release from one of the owner's datasets — ε per buyer and in all, bytes per job and per
 * buyer — with what each buyer's jobs spent and released, and a form that replaces the budget in one transaction
 * (it binds the jobs requested from then on; reservations already made stand).
 */
import { useId, type FormEvent } from 'react';
import type { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { untilBudgetIndexed, type OwnedDataset as Dataset } from '@/lib/client/owner';
import { browserPort } from '@/lib/client/port';
import { policyOf, releaseBudgetFor, type ReleaseLimits } from '@/lib/compute/policy';
import { budgetLines, epsilonText, releaseBytesText } from '@/lib/compute/release-words';
import type { DatasetReleases } from '@/lib/indexer/api';
import { setReleaseBudget } from '@/lib/market/actions/owner';
import { OwnedDataset } from './owned-dataset';
import { secondaryButton } from './styles';

const field = 'mt-1 w-full rounded-lg border border-line bg-background px-3 py-2 text-sm tabular-nums';

interface ReleaseBudgetProps {
  id: string;
  run: ReturnType<typeof useBrowserWallet>['run'];
  busy: boolean;
  onChanged: () => Promise<void>;
}

/** The form's limits: an empty field sets none; kilobytes of 1024 bytes, as the CLI's --max-release-kb. */
function limitsFrom(form: HTMLFormElement): ReleaseLimits {
  const data = new FormData(form);
  const number = (name: string, scale = 1) => {
    const text = String(data.get(name) ?? '').trim();
    return text === '' ? undefined : Number(text) * scale;
  };
  const limits = { epsilonPerBuyer: number('epsilonPerBuyer'), epsilonTotal: number('epsilonTotal'), bytesPerJob: number('kbPerJob', 1024), bytesPerBuyer: number('kbPerBuyer', 1024) };
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

/** A budget field as the form shows it: empty for no limit. */
const shown = (value: string | undefined, scale: number) => (value === undefined || value === '0' ? '' : String(Number(value) / scale));

function Spend({ id, releases }: { id: string; releases: DatasetReleases }) {
  const { totals, buyers } = releases;
  if (totals.jobs === 0) return <p className="text-sm text-muted">No compute job has run on this dataset yet: nothing is spent.</p>;
  return (
    <div className="space-y-2">
      <p className="text-sm">
        Spent so far: ε {epsilonText(totals.epsilon)} and {releaseBytesText(totals.releasedBytes)} released, by {totals.buyers} {totals.buyers === 1 ? 'buyer' : 'buyers'}.
        {totals.reserved.epsilon !== '0' || totals.reserved.bytes !== '0' ? ` Open jobs reserve ε ${epsilonText(totals.reserved.epsilon)} and ${releaseBytesText(totals.reserved.bytes)} more.` : ''}
      </p>
      <div className="overflow-x-auto">
        <table aria-label={`Releases of dataset ${id} by buyer`} className="w-full text-left text-sm">
          <thead className="text-xs text-muted">
            <tr>
              <th className="py-1 pr-3 font-medium">Buyer</th>
              <th className="py-1 pr-3 text-right font-medium">Jobs</th>
              <th className="py-1 pr-3 text-right font-medium">ε spent</th>
              <th className="py-1 text-right font-medium">Released</th>
            </tr>
          </thead>
          <tbody>
            {buyers.map((row) => (
              <tr key={row.buyer} className="border-t border-line">
                <td className="py-1 pr-3 font-mono text-xs break-all">{row.buyer}</td>
                <td className="py-1 pr-3 text-right tabular-nums">{row.jobs}</td>
                <td className="py-1 pr-3 text-right tabular-nums">{epsilonText(row.epsilon)}</td>
                <td className="py-1 text-right tabular-nums">{releaseBytesText(row.releasedBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {buyers.length < totals.buyers ? <p className="text-xs text-muted">The {buyers.length} buyers who released the most, of {totals.buyers}.</p> : null}
    </div>
  );
}

function Budget({ id, run, busy, onChanged, dataset, releases }: ReleaseBudgetProps & { dataset: Dataset; releases: DatasetReleases }) {
  const ids = useId();
  const policy = policyOf(dataset.document);
  const { budget } = releases;
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next = releaseBudgetFor(policy, limitsFrom(event.currentTarget));
    const view = { epsilonTotal: `${next.epsilonTotal}`, epsilonPerBuyer: `${next.epsilonPerBuyer}`, bytesPerJob: `${next.bytesPerJob}`, bytesPerBuyer: `${next.bytesPerBuyer}` };
    await run(
      'Setting the release budget',
      async (wallet) => {
        await setReleaseBudget(browserPort(wallet), BigInt(id), next);
        await untilBudgetIndexed(BigInt(id), view);
      },
      'Release budget set: it binds the jobs requested from now on',
    );
    await onChanged();
  };
  const input = (name: string, label: string, value: string, attributes: { step: string; min: string; max?: string }, placeholder = 'no limit') => (
    <label className="block text-sm font-medium">
      {label}
      <input name={name} type="number" inputMode="decimal" defaultValue={value} placeholder={placeholder} {...attributes} className={field} />
    </label>
  );
  return (
    <section aria-label={`Release budget of dataset ${id}`} className="space-y-3">
      <h4 className="text-sm font-semibold">Release budget</h4>
      <p className="text-sm text-muted">
        What compute jobs may take out of this dataset: a privacy budget ε (each noisy result spends some) and the bytes of results released. Every job reserves
        its share when it is paid for, whichever provider runs it.
      </p>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        {budgetLines(budget).map((line) => (
          <div key={line.label}>
            <dt className="text-xs text-muted">{line.label}</dt>
            <dd className="font-semibold tabular-nums">{line.value}</dd>
          </div>
        ))}
      </dl>
      <Spend id={id} releases={releases} />
      <details className="text-sm">
        <summary className="cursor-pointer font-medium">Change the budget</summary>
        <form onSubmit={(event) => void submit(event)} aria-describedby={`${ids}-hint`} className="mt-2 space-y-3 rounded-lg border border-line bg-background/50 p-4">
          <div className="grid gap-3 sm:grid-cols-2">
            {input('epsilonPerBuyer', 'ε per buyer', shown(budget?.epsilonPerBuyer, 1e6), { step: '0.000001', min: '0.000001', max: '1000' })}
            {input('epsilonTotal', 'ε in all', shown(budget?.epsilonTotal, 1e6), { step: '0.000001', min: '0.000001', max: '1000' })}
            {input('kbPerJob', 'kB per job', shown(budget?.bytesPerJob, 1024), { step: '1', min: '1' }, policy === 'any' ? '64 (the default)' : 'no limit')}
            {input('kbPerBuyer', 'kB per buyer', shown(budget?.bytesPerBuyer, 1024), { step: '1', min: '1' })}
          </div>
          <p id={`${ids}-hint`} className="text-xs text-muted">
            An empty field sets no limit{policy === 'any' ? ', except that any algorithm may release at most 64 kB a job unless you say otherwise' : ''}. With an ε budget every template
            result carries noise. The new limits bind jobs paid for from now on.
          </p>
          <button type="submit" disabled={busy} className={secondaryButton}>
            Set the budget
          </button>
        </form>
      </details>
    </section>
  );
}

export function ReleaseBudget(props: ReleaseBudgetProps) {
  return (
    <OwnedDataset id={props.id} what="the release budget">
      {(dataset) => (dataset.releases === null ? null : <Budget {...props} dataset={dataset} releases={dataset.releases} />)}
    </OwnedDataset>
  );
}
