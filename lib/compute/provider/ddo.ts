/**
 * A dataset's description as Ocean Protocol's compute-to-data algorithms read it at /data/ddos/<id>: a DDO in
 * Ocean's v4 shape, built from the dataset's signed public document, plus the v3 `service` entry that Ocean's
 * documented Python examples (line_counter.py and the many algorithms copied from it) still look up to list
 * the files under /data/inputs/<id>/.
 *
 * Only public fields go in: never the key envelope, the encryption details or the plaintext hash, and not the
 * preview either, which holds data rows: an algorithm that prints its DDO must not have its log refused as a
 * leak of them.
 */
import type { Deployments } from '../../chain';
import { presetOf } from '../../licence/presets';
import type { DatasetSummary } from '../../market';

/** Ocean's DDO for one input, as written to /data/ddos/<id>. */
export interface OceanDdo {
  '@context': string[];
  /** The dataset's id: the name of its folder in /data/inputs and its entry in the DIDS variable. */
  id: string;
  version: string;
  chainId: number;
  /** The data NFT's contract: the registry whose token `id` is. */
  nftAddress: string;
  metadata: {
    created: string;
    updated: string;
    type: 'dataset';
    name: string;
    description: string;
    tags: string[];
    author: string;
    license: string;
    additionalInformation: Record<string, unknown>;
  };
  services: {
    id: string;
    type: 'compute';
    /** Opaque in Ocean (the provider's encrypted file list); here the CID of the encrypted file. */
    files: string;
    timeout: number;
    compute: { allowRawAlgorithm: boolean; allowNetworkAccess: boolean; publisherTrustedAlgorithms: string[]; publisherTrustedAlgorithmPublishers: string[] };
  }[];
  /** Ocean v3's list of services: only the metadata one, whose `files` has one entry per input file. */
  service: { type: 'metadata'; index: number; attributes: { main: { type: 'dataset'; name: string; dateCreated: string; author: string; license: string; files: { index: number; contentType: string; contentLength: string }[] } } }[];
}

/** Ocean's DDO format version these documents follow. */
export const DDO_VERSION = '4.1.0';

const MEDIA_TYPES: Record<string, string> = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  jsonl: 'application/jsonl',
  json: 'application/json',
  parquet: 'application/vnd.apache.parquet',
  text: 'text/plain',
  zip: 'application/zip',
  gzip: 'application/gzip',
};

/** The media type of a document's `format` (a short name such as csv, or already a media type). */
function mediaType(format: string): string {
  return format.includes('/') ? format : (MEDIA_TYPES[format] ?? 'application/octet-stream');
}

/** The DDO of `dataset` on the market `deployments` describe. Pure. */
export function datasetDdo(dataset: Pick<DatasetSummary, 'id' | 'document' | 'terms'>, deployments: Pick<Deployments, 'chainId' | 'contracts'>): OceanDdo {
  const { document, terms } = dataset;
  const license = terms.uri || presetOf(terms);
  const name = document.title;
  return {
    '@context': ['https://w3id.org/did/v1'],
    id: dataset.id.toString(),
    version: DDO_VERSION,
    chainId: deployments.chainId,
    nftAddress: deployments.contracts.datasetRegistry,
    metadata: {
      created: document.createdAt,
      updated: document.updatedAt,
      type: 'dataset',
      name,
      description: document.description ?? '',
      tags: document.tags,
      author: document.publisher,
      license,
      additionalInformation: {
        licence: presetOf(terms),
        format: document.format,
        size: document.size,
        ...(document.rowCount !== undefined ? { rowCount: document.rowCount } : {}),
        ...(document.columns ? { columns: document.columns } : {}),
        documentVersion: document.version,
      },
    },
    services: [
      {
        id: 'compute',
        type: 'compute',
        files: document.content.cid,
        timeout: 0,
        compute: { allowRawAlgorithm: (document.compute?.algorithms ?? 'any') === 'any', allowNetworkAccess: false, publisherTrustedAlgorithms: [], publisherTrustedAlgorithmPublishers: [] },
      },
    ],
    service: [
      {
        type: 'metadata',
        index: 0,
        attributes: { main: { type: 'dataset', name, dateCreated: document.createdAt, author: document.publisher, license, files: [{ index: 0, contentType: mediaType(document.format), contentLength: String(document.size) }] } },
      },
    ],
  };
}
