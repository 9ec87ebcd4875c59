'use client';
/**
 * The datasets a job runs on — one, or several run together on one provider: the computable datasets the indexer
 * lists, searched as the visitor types, each added to the job or taken out of it; or ids typed by hand while the
 * indexer does not answer.
 */
import { useEffect, useState } from 'react';
import { MAX_RUN_DATASETS } from '@/lib/compute/buyer/quote';
import type { SearchResult } from '@/lib/indexer/api';
import { COMPUTABLE, datasetOption, type DatasetList, type DatasetOption } from './options';
import { chip, choiceCard, field } from './styles';

/** Waits this long after the last keystroke before searching. */
const SEARCH_DELAY_MS = 300;

function DatasetChoice({ option, checked, full, onToggle }: { option: DatasetOption; checked: boolean; full: boolean; onToggle: (option: DatasetOption) => void }) {
  return (
    <li>
      <label className={`${choiceCard} ${full && !checked ? 'cursor-not-allowed opacity-60' : ''}`}>
        <input type="checkbox" name="dataset" value={option.id} checked={checked} disabled={full && !checked} onChange={() => onToggle(option)} className="mt-1 accent-brand" />
        <span className="min-w-0 flex-1">
          <span className="flex flex-wrap items-baseline justify-between gap-x-3">
            <span className="font-medium">
              <span className="text-muted">#{option.id}</span> {option.title ?? <span className="text-muted">metadata not verified yet</span>}
            </span>
            <span className="font-semibold tabular-nums">{option.computePrice} per job</span>
          </span>
          <span className="mt-1.5 flex flex-wrap gap-2">
            <span className={chip}>{option.licence}</span>
            {option.computeOnly ? <span className={chip}>data never leaves the provider</span> : null}
            {option.aiTraining ? <span className={chip}>AI training allowed</span> : null}
          </span>
        </span>
      </label>
    </li>
  );
}

/** What the picker says of the datasets ticked: a job's words unless told otherwise (federated training has its own). */
export interface PickerWords {
  none: string;
  count(n: number): string;
}

const JOB_WORDS: PickerWords = {
  none: 'Tick a dataset to run the job on it; tick more to run one job over several, on a provider all their owners allow.',
  count: (n) => (n === 1 ? 'The job runs on 1 dataset' : `The job runs on ${n} datasets, together`),
};

/** The datasets in the job, each with a button that takes it out: what the list may have scrolled away. */
function InTheJob({ chosen, ids, words, onRemove }: { chosen: DatasetOption[]; ids: string[]; words: PickerWords; onRemove: (id: string) => void }) {
  if (ids.length === 0) return <p className="text-sm text-muted">{words.none}</p>;
  return (
    <div aria-live="polite">
      <p className="text-sm font-medium">
        {words.count(ids.length)}
        <span className="font-normal text-muted"> (at most {MAX_RUN_DATASETS})</span>
      </p>
      <ul aria-label="Datasets in the job" className="mt-2 flex flex-wrap gap-2">
        {ids.map((id) => {
          const title = chosen.find((option) => option.id === id)?.title;
          return (
            <li key={id} className="flex max-w-full items-center gap-1 rounded-full border border-brand/40 bg-brand-soft py-0.5 pr-1 pl-3 text-sm">
              <span className="truncate">
                #{id}
                {title ? ` ${title}` : ''}
              </span>
              <button type="button" onClick={() => onRemove(id)} aria-label={`Remove dataset #${id} from the job`} className="shrink-0 rounded-full px-2 font-semibold text-muted hover:text-ink">
                ×
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** Datasets matching `query` among those a job can run on, through the web app's search route. */
async function searchDatasets(query: string, signal: AbortSignal): Promise<{ items: DatasetOption[]; total: number }> {
  const response = await fetch(`/api/datasets?${new URLSearchParams({ ...COMPUTABLE, ...(query ? { q: query } : {}) })}`, { signal });
  const body = (await response.json()) as SearchResult & { message?: string };
  if (!response.ok) throw new Error(body.message ?? `the search answered HTTP ${response.status}`);
  return { items: body.items.map(datasetOption), total: body.total };
}

export function DatasetPicker({ initial, preselected, selectedIds, onChange, words = JOB_WORDS }: { initial: DatasetList; preselected: readonly string[]; selectedIds: string[]; onChange: (ids: string[]) => void; words?: PickerWords }) {
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<{ query: string; items: DatasetOption[]; total: number } | null>(null);
  const [searchFailure, setSearchFailure] = useState<string | null>(null);
  // The options chosen, kept on the list while a search hides them.
  const [chosen, setChosen] = useState(() => (initial.available ? initial.items.filter((item) => selectedIds.includes(item.id)) : []));
  const [typed, setTyped] = useState(selectedIds.join(','));
  const searched = query.trim();

  useEffect(() => {
    if (!initial.available || !searched) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      searchDatasets(searched, controller.signal).then(
        (result) => {
          setFound({ query: searched, ...result });
          setSearchFailure(null);
        },
        (error: unknown) => {
          if (!controller.signal.aborted) setSearchFailure(error instanceof Error ? error.message : String(error));
        },
      );
    }, SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [searched, initial.available]);

  if (!initial.available) {
    // Without the indexer there is no search: the ids from the datasets' pages still work.
    return (
      <div className="space-y-3">
        <p role="status" className="rounded-lg border border-warn/40 bg-warn-soft p-3 text-sm">
          The dataset search is not answering ({initial.message}). Type the id of a dataset that takes compute jobs, or several separated by commas.
        </p>
        <label className="block max-w-64 text-sm font-medium">
          Dataset ids
          <input
            inputMode="numeric"
            value={typed}
            onChange={(event) => {
              setTyped(event.target.value);
              onChange(event.target.value.split(',').map((part) => part.trim()).filter(Boolean));
            }}
            placeholder="3,10"
            className={`${field} mt-1 w-full`}
          />
        </label>
      </div>
    );
  }

  // The datasets the link names come first, where the visitor sees them.
  const first = initial.items.filter((item) => preselected.includes(item.id));
  const list = searched ? (found?.query === searched ? found : null) : { items: [...first, ...initial.items.filter((item) => !preselected.includes(item.id))], total: initial.total };
  const items = list?.items ?? [];
  const listed = [...chosen.filter((option) => !items.some((item) => item.id === option.id)), ...items];
  const full = selectedIds.length >= MAX_RUN_DATASETS;
  const remove = (id: string) => onChange(selectedIds.filter((selected) => selected !== id));
  const toggle = (option: DatasetOption) => {
    if (selectedIds.includes(option.id)) return remove(option.id);
    setChosen((options) => [...options.filter((o) => o.id !== option.id), option]);
    onChange([...selectedIds, option.id]);
  };
  return (
    <div className="space-y-3">
      <InTheJob chosen={chosen} ids={selectedIds} words={words} onRemove={remove} />
      <input type="search" value={query} onChange={(event) => setQuery(event.target.value)} placeholder="Search titles, descriptions and tags" aria-label="Search datasets" className={`${field} w-full`} />
      {searchFailure ? (
        <p role="status" className="text-sm text-warn">
          The search failed: {searchFailure}
        </p>
      ) : null}
      {searched && !list && !searchFailure ? (
        <p role="status" className="text-sm text-muted">
          Searching…
        </p>
      ) : null}
      {list && listed.length === 0 ? (
        <p className="rounded-lg border border-dashed border-line p-4 text-center text-sm text-muted">
          {searched ? 'No dataset that takes compute jobs matches this search.' : 'No dataset takes compute jobs right now: it needs a compute price or a compute-only licence, and an active provider.'}
        </p>
      ) : (
        <ul aria-label="Datasets that take compute jobs" className="max-h-96 space-y-2 overflow-y-auto p-0.5">
          {listed.map((option) => (
            <DatasetChoice key={option.id} option={option} checked={selectedIds.includes(option.id)} full={full} onToggle={toggle} />
          ))}
        </ul>
      )}
      {list && list.total > items.length ? <p className="text-xs text-muted">Showing {items.length} of {list.total}: search to narrow the list.</p> : null}
    </div>
  );
}
