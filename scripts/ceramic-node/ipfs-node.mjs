/**
 * The IPFS node under the Ceramic daemon: js-ipfs 0.18 (ipfs-core) with its Kubo-compatible HTTP RPC API.
 * Ceramic signs commits as dag-jose blocks and gossips over pubsub even on the inmemory network: ipfs-core
 * 0.18 has the dag-jose codec built in (passing it again in `ipld.codecs` throws "Resolver already
 * exists"), and pubsub stays on. It talks to no one: no bootstrap peers, no mDNS, no DHT, no delegates, no
 * gateway; libp2p and the API listen on 127.0.0.1 only, on ports the OS picks. Ceramic's healthcheck needs
 * a swarm address: the HTTP client's isOnline() is "id() lists at least one address".
 *
 * Usage: node --import ../with-resolvers.mjs ipfs-node.mjs <repo dir>
 * Prints `IPFS API ready on <url>` once the API answers; stops on SIGINT or SIGTERM.
 */
import { create } from 'ipfs-core';
import { HttpApi } from 'ipfs-http-server';

const repo = process.argv[2];
if (!repo) {
  console.error('usage: ipfs-node.mjs <repo dir>');
  process.exit(2);
}

const ipfs = await create({
  repo,
  silent: true,
  preload: { enabled: false },
  config: {
    Addresses: {
      Swarm: ['/ip4/127.0.0.1/tcp/0'],
      API: '/ip4/127.0.0.1/tcp/0',
      Gateway: '',
      RPC: '',
      Delegates: [],
    },
    Bootstrap: [],
    Discovery: { MDNS: { Enabled: false }, webRTCStar: { Enabled: false } },
    Pubsub: { Enabled: true, Router: 'gossipsub' },
    Routing: { Type: 'none' },
    Swarm: { DisableNatPortMap: true },
  },
});
const api = new HttpApi(ipfs);
await api.start();
// The API listens on port 0; hapi's server info has the port the OS gave it.
const { host, port } = api._apiServers[0].info;
console.log(`IPFS API ready on http://${host}:${port}`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await api.stop();
  await ipfs.stop();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
