/** The public dataset routes: what a browser needs to download a dataset, and what the owner's desk needs. */
import { DatasetNotFoundError } from '../market';
import { downloadTicket } from '../market/ticket';
import { DatagoraError } from '../errors';
import { parseDatasetId } from './queries/dataset';
import { readOwnedDataset } from './queries/owner';
import { answering, NO_STORE } from './responses';
import { indexer, market } from './services';

/**
 * GET /api/datasets/<id>/access: the key envelope with its identity, and the content's CID, size and signed
 * hash. All public; the key nodes decide who decrypts.
 */
export function accessAnswer(text: string): Promise<Response> {
  return answering(async () => {
    if (!/^[1-9]\d{0,30}$/.test(text)) throw new DatasetNotFoundError(0n);
    return Response.json(await downloadTicket(await market(), BigInt(text)));
  });
}

/**
 * GET /api/owner/datasets/<id>: the verified current document, on which the browser builds and signs the next
 * version, the algorithm approval queue, the compute providers the dataset allows and its release budget's spend.
 * All public.
 */
export function ownedDatasetAnswer(text: string): Promise<Response> {
  return answering(async () => {
    const id = parseDatasetId(text);
    if (id === undefined) throw new DatagoraError(`"${text}" is not a dataset id`, 'give the dataset’s number, e.g. /api/owner/datasets/1');
    return Response.json(await readOwnedDataset(await market(), indexer(), id), { headers: NO_STORE });
  });
}
