/**
 * A closed-loop HTTP load: `connections` clients on kept-alive sockets, each sending its next request when the
 * last one is answered, for `seconds`. What autocannon measures, without a dependency for it.
 */
import http from 'node:http';
import { percentile } from './stats';

export interface LoadResult {
  requests: number;
  /** Answers per second over the whole run. */
  rate: number;
  p50: number;
  p99: number;
  /** Answers other than 200, and requests that failed outright. */
  errors: number;
}

function get(agent: http.Agent, url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent }, (response) => {
      // Read the whole body: the time is the page's, not its first bytes'.
      response.on('data', () => {});
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** Loads `url` with `connections` concurrent clients for `seconds`; latencies in milliseconds. */
export async function load(url: string, options: { connections: number; seconds: number }): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(url);
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const until = started + options.seconds * 1000;
  const client = async () => {
    while (performance.now() < until) {
      const sent = performance.now();
      const status = await get(agent, target).catch(() => 0);
      latencies.push(performance.now() - sent);
      if (status !== 200) errors++;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, client));
  } finally {
    agent.destroy();
  }
  const elapsed = (performance.now() - started) / 1000;
  return {
    requests: latencies.length,
    rate: Math.round(latencies.length / elapsed),
    p50: Math.round(percentile(latencies, 0.5)),
    p99: Math.round(percentile(latencies, 0.99)),
    errors,
  };
}
