/**
 * The market commands as a user runs them: `datagora publish / datasets / show / buy / download / balance`
 * against the real embedded services, and a one-line reason with a non-zero exit for every bad input.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generatePrivateKey } from 'viem/accounts';
import { writeDeployments } from '@/lib/chain';
import { cliOnServices } from '../helpers/cli';

jest.setTimeout(300_000);

describe('datagora market commands', () => {
  const bed = cliOnServices();
  const { cli } = bed;

  it('publishes as account 1, sells to account 2 who downloads identical bytes, and refuses account 3', async () => {
    const source = path.join(bed.services.home, 'readings.csv');
    writeFileSync(source, 'sensor,value\na,1\nb,2\n');
    const published = await cli(['publish', source, '--title', 'Readings', '--tags', 'iot,test', '--licence', 'commercial', '--price', '4.5', '--account', '1']);
    expect(published.code).toBe(0);
    const id = published.output.trim().split('\n').pop()!;
    expect(id).toMatch(/^\d+$/);

    const list = await cli(['datasets', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.output)).toEqual(expect.arrayContaining([expect.objectContaining({ id, title: 'Readings', licence: 'commercial', downloadPrice: '4500000' })]));

    expect((await cli(['buy', id, '--account', '2'])).code).toBe(0);
    const out = path.join(bed.services.home, 'got.csv');
    const downloaded = await cli(['download', id, '--out', out, '--account', '2']);
    expect(downloaded.code).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(source));
    expect(downloaded.output).toContain(createHash('sha256').update(readFileSync(source)).digest('hex'));

    const shown = await cli(['show', id, '--account', '2']);
    expect(shown.output).toMatch(/you\s+can decrypt — licence valid/);

    const refused = await cli(['download', id, '--out', path.join(bed.services.home, 'nope.csv'), '--account', '3']);
    expect(refused.code).not.toBe(0);
    expect(refused.output.split('\n')[0]).toMatch(/^AccessDeniedError: .*may not decrypt: canDecrypt\(\d+, 0x\w+\) .* returned false/);
  });

  it.each([
    ['a missing file', ['publish', 'no-such-file.csv', '--title', 'x', '--licence', 'commercial', '--price', '1'], {}, /^FileError: cannot read no-such-file\.csv/],
    ['an invalid licence preset', ['publish', 'package.json', '--title', 'x', '--licence', 'free-for-all', '--price', '1'], {}, /^UnknownLicencePresetError: unknown licence preset "free-for-all"/],
    ['a negative price', ['publish', 'package.json', '--title', 'x', '--licence', 'commercial', '--price=-3'], {}, /^InvalidPriceError: invalid price "-3": a price cannot be negative/],
    ['a malformed price', ['publish', 'package.json', '--title', 'x', '--licence', 'commercial', '--price', '1,5'], {}, /^InvalidPriceError: invalid price "1,5"/],
    ['an unfunded account', ['publish', 'package.json', '--title', 'x', '--licence', 'commercial', '--price', '1', '--private-key-env', 'FRESH_KEY'], { FRESH_KEY: generatePrivateKey() }, /^InsufficientFundsError: .*no ether for gas/],
    ['an unreachable key network', ['download', '1', '--out', '/tmp/x', '--account', '2'], { DATAGORA_KEYNODE_PORT: '9' }, /^KeyNetworkUnavailableError: /],
  ])('exits non-zero with a one-line reason for %s', async (_label, args, extra, reason) => {
    const { code, output } = await cli(args, extra);
    expect(code).not.toBe(0);
    expect(output.split('\n')[0]).toMatch(reason);
  });

  it('refuses a deployments file written for another chain', async () => {
    const file = path.join(bed.services.home, 'other-chain.json');
    writeDeployments(file, { ...bed.services.chain.deployments, chainId: 8453 });
    const { code, output } = await cli(['datasets'], { DATAGORA_DEPLOYMENTS: file });
    expect(code).not.toBe(0);
    expect(output.split('\n')[0]).toMatch(/^WrongChainError: the RPC serves chain 31337 but the deployments are for chain 8453/);
  });
});
