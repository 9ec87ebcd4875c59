/** A dataset's documents as the SDK and the web app both write them: the first version, and each next one. */
import type { Address } from 'viem';
import type { KeyEnvelope } from '../access/envelope';
import { ENCRYPTION_SCHEME } from '../crypto';
import type { ComputePolicy, DatasetDocument } from '../metadata/schema';
import type { FileProfile } from './files';

export interface UploadedContent {
  contentCid: string;
  contentSize: number;
  chunkSize: number;
  plaintextSha256: string;
  /** Plaintext bytes. */
  size: number;
  profile: FileProfile;
}

/** Content stored encrypted, with the data key it was encrypted under (held only until the key is sealed). */
export type SealedUpload = UploadedContent & { dataKey: Uint8Array };

export interface FirstVersion {
  datasetId: bigint;
  publisher: Address;
  info: { title: string; description?: string; tags?: string[]; compute?: ComputePolicy };
  upload: UploadedContent;
  termsId: bigint;
  envelope: KeyEnvelope;
}

export function firstVersion({ datasetId, publisher, info, upload, termsId, envelope }: FirstVersion): DatasetDocument {
  const now = new Date().toISOString();
  return {
    datasetId: datasetId.toString(),
    version: 1,
    previous: null,
    publisher,
    title: info.title,
    ...(info.description ? { description: info.description } : {}),
    tags: info.tags ?? [],
    format: upload.profile.format,
    ...(upload.profile.columns ? { columns: upload.profile.columns } : {}),
    ...(upload.profile.rowCount !== undefined ? { rowCount: upload.profile.rowCount } : {}),
    ...(upload.profile.preview ? { preview: upload.profile.preview } : {}),
    size: upload.size,
    termsId: termsId.toString(),
    content: { cid: upload.contentCid, size: upload.contentSize, chunkSize: upload.chunkSize, encryption: ENCRYPTION_SCHEME },
    plaintextSha256: upload.plaintextSha256,
    key: envelope,
    ...(info.compute ? { compute: info.compute } : {}),
    createdAt: now,
    updatedAt: now,
  };
}

/** What an owner may change in a new version (content and key stay). */
export type VersionChanges = Partial<Pick<DatasetDocument, 'title' | 'description' | 'tags' | 'preview' | 'compute'>>;

/** The version after `current` (the document the registry anchors now, at `metadataCid`), signed next by `publisher`. */
export function nextVersion(current: { document: DatasetDocument; version: number; metadataCid: string }, changes: VersionChanges, publisher: Address): DatasetDocument {
  return { ...current.document, ...changes, version: current.version + 1, previous: current.metadataCid, publisher, updatedAt: new Date().toISOString() };
}
