/** GET /api/health: the market's health, one entry per component; 200 when every one is ok, 503 otherwise. */
import { loadConfig } from '../config';
import { checkHealth } from '../health';
import { NO_STORE } from './responses';

export async function healthAnswer(): Promise<Response> {
  const config = loadConfig();
  const health = await checkHealth(config, {
    web: async () => ({
      status: 'ok',
      details: { url: config.web.url, node: process.version, uptimeSeconds: Math.round(process.uptime()) },
    }),
  });
  return Response.json(health, { status: health.status === 'ok' ? 200 : 503, headers: NO_STORE });
}
