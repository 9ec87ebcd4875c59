/**
 * The dataset page lists the analysis templates its allowed providers' nodes run (GET /api/v1/environments) and
 * goes on without a node that refuses the connection, never answers, or lists something other than templates:
 * it names that node instead, and still lists the others'.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { templateSummaries } from '@/lib/compute/templates';
import { BlockCache } from '@/lib/web/cache';
import { readTemplates } from '@/lib/web/queries/dataset';

const endpointOf = (server: Server | ReturnType<typeof createTcpServer>) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const listen = <S extends Server | ReturnType<typeof createTcpServer>>(server: S) => new Promise<S>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
const close = (server: Server | ReturnType<typeof createTcpServer>) => new Promise((resolve) => server.close(resolve));
const answering = (body: unknown) =>
  createHttpServer((request, response) => {
    response.writeHead(request.url === '/api/v1/environments' ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });

describe('the templates of a dataset’s allowed providers', () => {
  const sockets: Socket[] = [];
  let node: Server;
  let silent: ReturnType<typeof createTcpServer>;
  let hostile: Server;
  let refusing: string;

  beforeAll(async () => {
    node = await listen(answering({ providerId: '1', environments: [], templates: templateSummaries }));
    silent = await listen(createTcpServer((socket) => sockets.push(socket)));
    hostile = await listen(answering({ templates: [{ name: '<script>alert(1)</script>', version: '1', description: 'x', hash: 'not a hash' }] }));
    const closed = await listen(createHttpServer());
    refusing = endpointOf(closed);
    await close(closed);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([close(node), close(silent), close(hostile)]);
  });

  it('lists each template once with the providers that run it, and names the nodes that did not answer', async () => {
    const at = await new BlockCache(async () => 1n).at();
    const providers = [
      { id: 1n, endpoint: endpointOf(node) },
      { id: 2n, endpoint: refusing },
      { id: 3n, endpoint: endpointOf(silent) },
      { id: 4n, endpoint: endpointOf(hostile) },
      // The same node registered twice (two provider records, one endpoint): one read, both ids.
      { id: 5n, endpoint: endpointOf(node) },
    ];
    const read = await readTemplates(providers, at);
    expect(read.unreachable).toEqual(['2', '3', '4']);
    expect(read.templates).toEqual(templateSummaries.map((t) => ({ name: t.name, version: t.version, description: t.description, hash: t.hash, providers: ['1', '5'] })));
    // The silent node is given up on after a few seconds: the page is not held for it.
  }, 15_000);
});
