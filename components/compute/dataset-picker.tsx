'use client';
/**
 * The dataset a job runs on: the computable datasets the indexer lists, searched as the visitor types, or an id
 * typed by hand while the indexer does not answer.
 */
import { useEffect, useState } from 'react';
import type { SearchResult } from '@/lib/indexer/api';
import { COMPUTABLE, datasetOption, type DatasetList, type DatasetOption } from './options';
import { chip, choiceCard, field } from './styles';

/** Waits this long after the last keystroke before searching. */
const SEARCH_DELAY_MS = 300;

function DatasetChoice({ option, checked, onSelect }: { option: DatasetOption; checked: boolean; onSelect: (option: DatasetOption) => void }) {
  return (
    <li>
      <label className={choiceCard}>
        <input type="radio" name="dataset" value={option.id} checked={checked} onChange={() => onSelect(option)} className="mt-1 accent-brand" />
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

/** Datasets matching `query` among those a job can run on, through the web app's search route. */
async function searchDatasets(query: string, signal: AbortSignal): Promise<{ items: DatasetOption[]; total: number }> {
  const response = await fetch(`/api/datasets?${new URLSearchParams({ ...COMPUTABLE, ...(query ? { q: query } : {}) })}`, { signal });
  const body = (await response.json()) as SearchResult & { message?: string };
  if (!response.ok) throw new Error(body.message ?? `the search answered HTTP ${response.status}`);
  return { items: body.items.map(datasetOption), total: body.total };
}

export function DatasetPicker({ initial, preselected, selectedId, onSelect }: { initial: DatasetList; preselected: string; selectedId: string; onSelect: (id: string) => void }) {
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<{ query: string; items: DatasetOption[]; total: number } | null>(null);
  const [searchFailure, setSearchFailure] = useState<string | null>(null);
  // The option chosen, kept on the list while a search hides it.
  const [chosen, setChosen] = useState(() => (initial.available ? (initial.items.find((item) => item.id === selectedId) ?? null) : null));
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
    // Without the indexer there is no search: the id from the dataset's page still works.
    return (
      <div className="space-y-3">
        <p role="status" className="rounded-lg border border-warn/40 bg-warn-soft p-3 text-sm">
          The dataset search is not answering ({initial.message}). Type the id of a dataset that takes compute jobs.
        </p>
        <label className="block max-w-48 text-sm font-medium">
          Dataset id
          <input inputMode="numeric" value={selectedId} onChange={(event) => onSelect(event.target.value.trim())} className={`${field} mt-1 w-full`} />
        </label>
      </div>
    );
  }

  // The dataset the link names comes first, where the visitor sees it.
  const first = initial.items.filter((item) => item.id === preselected);
  const list = searched ? (found?.query === searched ? found : null) : { items: [...first, ...initial.items.filter((item) => item.id !== preselected)], total: initial.total };
  const items = list?.items ?? [];
  const listed = chosen && !items.some((item) => item.id === chosen.id) ? [chosen, ...items] : items;
  const select = (option: DatasetOption) => {
    setChosen(option);
    onSelect(option.id);
  };
  return (
    <div className="space-y-3">
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
        <ul className="max-h-96 space-y-2 overflow-y-auto p-0.5">
          {listed.map((option) => (
            <DatasetChoice key={option.id} option={option} checked={selectedId === option.id} onSelect={select} />
          ))}
        </ul>
      )}
      {list && list.total > items.length ? <p className="text-xs text-muted">Showing {items.length} of {list.total}: search to narrow the list.</p> : null}
    </div>
  );
}
