/**
 * `datagora publish` with files no reader can use as their name says: a "CSV" with NUL bytes is published as
 * binary, without columns or a public preview, and the owner is told why; an empty file is refused before
 * anything is uploaded or sent, leaving no pending upload to resume.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliOnServices } from '../helpers/cli';

jest.setTimeout(300_000);

describe('datagora publish with files a reader would choke on', () => {
  const bed = cliOnServices();
  const { cli } = bed;

  it('publishes a CSV with NUL bytes as binary, without columns or preview, and says so', async () => {
    const source = path.join(bed.services.home, 'malformed.csv');
    const bytes = Buffer.from('id,name\n1,a\0b\n2,c\n');
    writeFileSync(source, bytes);
    const published = await cli(['publish', source, '--title', 'Malformed', '--licence', 'commercial', '--price', '1']);
    expect(published.code).toBe(0);
    expect(published.output).toContain('malformed.csv looks binary (NUL bytes in the file): published without a preview or columns');
    const id = published.output.trim().split('\n').pop()!;

    const shown = await cli(['show', id, '--json']);
    expect(shown.code).toBe(0);
    const { document } = JSON.parse(shown.output) as { document: Record<string, unknown> };
    expect(document).toMatchObject({ format: 'binary', size: bytes.length });
    expect(document).not.toHaveProperty('preview');
    expect(document).not.toHaveProperty('columns');
    expect(document).not.toHaveProperty('rowCount');
  });

  it('refuses an empty file before sending anything and leaves no pending upload', async () => {
    const source = path.join(bed.services.home, 'empty.csv');
    writeFileSync(source, '');
    const account = bed.services.account(1).address;
    const nonce = await bed.services.chain.publicClient.getTransactionCount({ address: account });

    const refused = await cli(['publish', source, '--title', 'Empty', '--licence', 'commercial', '--price', '1']);
    expect(refused.code).not.toBe(0);
    expect(refused.output.split('\n').slice(0, 2)).toEqual([expect.stringMatching(/^EmptyFileError: .*empty\.csv is empty: 0 bytes, nothing to publish$/), expect.stringMatching(/→ choose a file/)]);
    expect(await bed.services.chain.publicClient.getTransactionCount({ address: account })).toBe(nonce);
    const pending = path.join(bed.services.home, 'pending');
    expect(existsSync(pending) ? readdirSync(pending) : []).toEqual([]);
  });
});
