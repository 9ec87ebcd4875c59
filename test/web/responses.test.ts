/**
 * The web API answers a failure with the status its error class declares (lib/web/responses.ts): a service that
 * is down is a 503 whatever the error is called, no such dataset a 404, an upload refusal its own status, bad
 * input a 400, and anything unexpected a 500 that names no internals.
 */
import { KeyNetworkUnavailableError, LitNetworkUnreachableError } from '@/lib/access';
import { ChainUnreachableError } from '@/lib/chain';
import { IndexerUnavailableError } from '@/lib/indexer/errors';
import { LicenceCombinationError } from '@/lib/licence/presets';
import { DatasetNotFoundError } from '@/lib/market';
import { StorageUnavailableError } from '@/lib/storage';
import { UploadError } from '@/lib/storage/uploads';
import { errorResponse } from '@/lib/web/responses';

async function answer(error: unknown): Promise<{ status: number; body: Record<string, string> }> {
  const response = errorResponse(error);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

it.each([
  ['the chain', new ChainUnreachableError('http://127.0.0.1:1')],
  ['storage', new StorageUnavailableError('http://127.0.0.1:1')],
  ['the key network', new KeyNetworkUnavailableError(1, 2, [])],
  ['Lit', new LitNetworkUnreachableError('datil')],
  ['the indexer', new IndexerUnavailableError('http://127.0.0.1:1', 'does not answer')],
])('%s down is a 503 with the error’s name, message and hint', async (_, error) => {
  const { status, body } = await answer(error);
  expect(status).toBe(503);
  expect(body).toEqual({ error: error.name, message: error.message, hint: error.hint });
});

it('no such dataset is a 404, an upload refusal its own status and code, bad input a 400', async () => {
  expect((await answer(new DatasetNotFoundError(7n))).status).toBe(404);
  const refused = await answer(new UploadError(413, 'too-large', 'the upload is larger than allowed', 'send less'));
  expect(refused.status).toBe(413);
  expect(refused.body.code).toBe('too-large');
  expect((await answer(new LicenceCombinationError('no such preset', 'pick one'))).status).toBe(400);
});

it('anything else is a 500 that names no internals', async () => {
  const spy = jest.spyOn(console, 'error').mockImplementation(() => {});
  const { status, body } = await answer(new Error('ECONNRESET at /srv/secret/path'));
  spy.mockRestore();
  expect(status).toBe(500);
  expect(JSON.stringify(body)).not.toContain('secret');
});
