import path from 'node:path';
import { ConfigError, loadConfig } from '@/lib/config';

describe('loadConfig', () => {
  it('defaults to the embedded chain and local ports', () => {
    const config = loadConfig({});
    expect(config.chain).toEqual({
      adapter: 'anvil',
      host: '127.0.0.1',
      port: 8545,
      rpcUrl: 'http://127.0.0.1:8545',
      stateDir: path.resolve('.datagora', 'chain'),
    });
    expect(config.web).toEqual({ host: '127.0.0.1', port: 3000, url: 'http://127.0.0.1:3000' });
    expect(config.deploymentsFile).toBe(path.resolve('.datagora', 'deployments.json'));
    expect(config.feeBps).toBe(250);
  });

  it('offers WalletConnect only with a project id (empty means unset)', () => {
    expect(loadConfig({}).web.walletConnectProjectId).toBeUndefined();
    expect(loadConfig({ DATAGORA_WALLETCONNECT_PROJECT_ID: '' }).web.walletConnectProjectId).toBeUndefined();
    expect(loadConfig({ DATAGORA_WALLETCONNECT_PROJECT_ID: '0123456789abcdef0123456789abcdef' }).web.walletConnectProjectId).toBe('0123456789abcdef0123456789abcdef');
  });

  it('selects the RPC adapter by configuration', () => {
    const config = loadConfig({ DATAGORA_CHAIN: 'rpc', DATAGORA_RPC_URL: 'https://sepolia.base.org', DATAGORA_DEPLOYMENTS: 'deploy/base.json' });
    expect(config.chain).toEqual({ adapter: 'rpc', rpcUrl: 'https://sepolia.base.org' });
    expect(config.deploymentsFile).toBe(path.resolve('deploy/base.json'));
  });

  it.each([
    [{ DATAGORA_CHAIN: 'rpc' }, 'DATAGORA_RPC_URL: required when DATAGORA_CHAIN=rpc'],
    [{ DATAGORA_CHAIN: 'ganache' }, 'DATAGORA_CHAIN'],
    [{ DATAGORA_PORT: '70000' }, 'DATAGORA_PORT'],
    [{ DATAGORA_ANVIL_PORT: 'abc' }, 'DATAGORA_ANVIL_PORT'],
    [{ DATAGORA_CHAIN: 'rpc', DATAGORA_RPC_URL: 'not a url' }, 'DATAGORA_RPC_URL'],
    [{ DATAGORA_FEE_BPS: '-1' }, 'DATAGORA_FEE_BPS'],
    [{ DATABASE_URL: 'mysql://db/market' }, 'DATABASE_URL: must be a postgres:// or postgresql:// URL'],
    [{ DATAGORA_INDEXER_CONFIRMATIONS: '-3' }, 'DATAGORA_INDEXER_CONFIRMATIONS'],
    [{ DATAGORA_WALLETCONNECT_PROJECT_ID: 'my-project' }, 'DATAGORA_WALLETCONNECT_PROJECT_ID: a WalletConnect Cloud project id'],
  ])('rejects %j with a ConfigError naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('puts the stack’s second provider node on the next port, in its own directory', () => {
    expect(loadConfig({}).compute).toMatchObject({ port: 7480, dir: path.resolve('.datagora', 'provider'), second: { port: 7481, url: 'http://127.0.0.1:7481', dir: path.resolve('.datagora', 'provider-2') } });
    expect(loadConfig({ DATAGORA_PROVIDER_PORT: '9000', DATAGORA_PROVIDER_DIR: 'nodes/a' }).compute).toMatchObject({ dir: path.resolve('nodes/a'), second: { port: 9001 } });
    expect(loadConfig({ DATAGORA_SECOND_PROVIDER_PORT: '9100', DATAGORA_SECOND_PROVIDER_URL: 'https://b.example' }).compute.second).toMatchObject({ port: 9100, url: 'https://b.example' });
    for (const env of [{ DATAGORA_SECOND_PROVIDER_PORT: '7480' }, { DATAGORA_PROVIDER_PORT: '65535' }]) {
      expect(() => loadConfig(env)).toThrow('DATAGORA_SECOND_PROVIDER_PORT: must be a port other than DATAGORA_PROVIDER_PORT');
    }
  });

  it('keeps the indexer in PGlite unless DATABASE_URL names a Postgres (empty means unset)', () => {
    expect(loadConfig({}).indexer.database).toEqual({ adapter: 'pglite', dir: path.resolve('.datagora', 'indexer') });
    expect(loadConfig({ DATABASE_URL: '' }).indexer.database.adapter).toBe('pglite');
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/market' }).indexer).toMatchObject({
      database: { adapter: 'postgres', url: 'postgres://u:p@db:5432/market' },
      url: 'http://127.0.0.1:7490',
      confirmations: 12,
      washWindowSeconds: 168 * 3600,
    });
  });
});
