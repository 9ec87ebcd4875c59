/**
 * POST /api/keys/target under hostile bodies: anything but a positive dataset id as a string and a 64-digit
 * lowercase hex hash is a 400 naming what to send, answered before any service (key network, chain) is reached.
 */
import { encryptionTargetAnswer } from '@/lib/web/publishing';

const HASH = 'ab'.repeat(32);

it.each<[string, string]>([
  ['no body', ''],
  ['a body that is not JSON', '{"datasetId":'],
  ['JSON null', 'null'],
  ['an array', '[1,2]'],
  ['a number', '5'],
  ['a numeric id', JSON.stringify({ datasetId: 1, dataToEncryptHash: HASH })],
  ['id 0', JSON.stringify({ datasetId: '0', dataToEncryptHash: HASH })],
  ['a negative id', JSON.stringify({ datasetId: '-1', dataToEncryptHash: HASH })],
  ['an id of 32 digits', JSON.stringify({ datasetId: '9'.repeat(32), dataToEncryptHash: HASH })],
  ['an uppercase hash', JSON.stringify({ datasetId: '1', dataToEncryptHash: HASH.toUpperCase() })],
  ['a short hash', JSON.stringify({ datasetId: '1', dataToEncryptHash: HASH.slice(2) })],
  ['a hash with a 0x prefix', JSON.stringify({ datasetId: '1', dataToEncryptHash: `0x${HASH}` })],
  ['a prototype key', '{"__proto__":{"datasetId":"1","dataToEncryptHash":"' + HASH + '"}}'],
])('%s is a 400 naming what to send', async (_, body) => {
  const response = await encryptionTargetAnswer(new Request('http://127.0.0.1/api/keys/target', { method: 'POST', body }));
  expect(response.status).toBe(400);
  const answer = (await response.json()) as { error: string; message: string };
  expect(answer.error).toBe('KeyEnvelopeError');
  expect(answer.message).toMatch(/datasetId .* dataToEncryptHash/);
});
