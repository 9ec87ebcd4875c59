/** Opening the indexer's database: a Postgres that does not answer is a typed error that never shows the password. */
import { DatabaseError, openDatabase, redactUrl } from '@/lib/indexer/db';
import { freePort } from '../helpers/market';

test('an unreachable Postgres is a DatabaseError naming the server without its password', async () => {
  const url = `postgres://market:s3cret-pw@127.0.0.1:${await freePort()}/market`;
  const failure = await openDatabase({ adapter: 'postgres', url }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(DatabaseError);
  const { message, hint } = failure as DatabaseError;
  expect(message).toContain('cannot reach Postgres at postgres://market:***@127.0.0.1:');
  expect(`${message} ${hint}`).not.toContain('s3cret-pw');
  expect(hint).toMatch(/DATABASE_URL/);
});

test('redactUrl hides passwords and survives garbage', () => {
  expect(redactUrl('postgresql://u:pw@h/db')).toBe('postgresql://u:***@h/db');
  expect(redactUrl('postgres://h/db')).toBe('postgres://h/db');
  expect(redactUrl('::not a url::')).toBe('(unparsable DATABASE_URL)');
});
