'use client';
/**
 * "New version": the dataset's title, description and tags as its current signed document has them, edited
 * and published as the next version — signed by the wallet, stored, and anchored on the registry.
 */
import { useId, useState, type FormEvent } from 'react';
import type { Address } from 'viem';
import type { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { untilIndexed } from '@/lib/client/owner';
import { browserPort } from '@/lib/client/port';
import { updateMetadata } from '@/lib/market/actions/update';
import type { DatasetDocument } from '@/lib/metadata/schema';
import type { OwnedDataset as Dataset } from '@/lib/client/owner';
import { OwnedDataset } from './owned-dataset';
import { primaryButton, secondaryButton } from './styles';

const field = 'mt-1 w-full rounded-lg border border-line bg-background px-3 py-2 text-sm';

/** "ocean, tides,, Ocean" → ["ocean", "tides", "Ocean"]: trimmed, blanks and repeats dropped. */
function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((tag) => tag.trim()).filter(Boolean))];
}

/** The fields the desk's version form edits. */
type VersionChanges = Pick<DatasetDocument, 'title' | 'description' | 'tags'>;

function changesFrom(form: HTMLFormElement): VersionChanges {
  const data = new FormData(form);
  const description = String(data.get('description') ?? '').trim();
  return { title: String(data.get('title') ?? '').trim(), ...(description ? { description } : {}), tags: parseTags(String(data.get('tags') ?? '')) };
}

function unchanged(document: DatasetDocument, changes: VersionChanges): boolean {
  return document.title === changes.title && (document.description ?? '') === (changes.description ?? '') && document.tags.join(',') === changes.tags.join(',');
}

interface VersionFormProps {
  id: string;
  owner: Address;
  run: ReturnType<typeof useBrowserWallet>['run'];
  busy: boolean;
  /** After the version is published (true) or the form is closed without one (false). */
  onClose: (published: boolean) => void;
}

function Form({ id, owner, run, busy, onClose, current }: VersionFormProps & { current: Dataset }) {
  const [note, setNote] = useState<string>();
  const ids = useId();
  const { document, version } = current;
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const changes = changesFrom(event.currentTarget);
    if (unchanged(document, changes)) return setNote('Nothing changed: edit the title, description or tags first.');
    setNote(undefined);
    const datasetId = BigInt(id);
    const published = await run(
      `Publishing version ${version + 1}`,
      async (wallet) => {
        const result = await updateMetadata(browserPort(wallet), datasetId, changes);
        await untilIndexed(owner, datasetId, (item) => item.version >= result.version && item.metadataStatus !== 'pending');
        return result;
      },
      `Version ${version + 1} published`,
    );
    if (published) onClose(true);
  };
  return (
    <form onSubmit={(event) => void submit(event)} aria-label={`New version of dataset ${id}`} className="space-y-4 rounded-lg border border-line bg-background/50 p-4">
      <p className="text-sm text-muted">
        Version {version + 1} keeps the data, its key and its licence; your wallet signs the new description, and buyers see it once it is anchored on-chain.
      </p>
      <label className="block text-sm font-medium">
        Title
        <input name="title" required maxLength={200} defaultValue={document.title} className={field} />
      </label>
      <label className="block text-sm font-medium">
        Description
        <textarea name="description" rows={4} maxLength={10_000} defaultValue={document.description ?? ''} className={field} />
      </label>
      <div>
        <label htmlFor={`${ids}-tags`} className="block text-sm font-medium">
          Tags
        </label>
        <input id={`${ids}-tags`} name="tags" defaultValue={document.tags.join(', ')} aria-describedby={`${ids}-tags-hint`} className={field} />
        <p id={`${ids}-tags-hint`} className="mt-1 text-xs text-muted">
          Separated by commas; up to 20, each up to 40 characters.
        </p>
      </div>
      {note ? (
        <p role="alert" className="text-sm text-warn">
          {note}
        </p>
      ) : null}
      <div className="flex flex-wrap gap-3">
        <button type="submit" disabled={busy} className={primaryButton}>
          Sign and publish version {version + 1}
        </button>
        <button type="button" onClick={() => onClose(false)} className={secondaryButton}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function VersionForm(props: VersionFormProps) {
  return (
    <OwnedDataset id={props.id} what="the current version">
      {(current) => <Form {...props} current={current} />}
    </OwnedDataset>
  );
}
