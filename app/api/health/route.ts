import { checkHealth } from '@/lib/health';
import { loadConfig } from '@/lib/config';

export const dynamic = 'force-dynamic';

/** The market's health, one entry per component: 200 when every component is ok, 503 otherwise. */
export async function GET(): Promise<Response> {
  const config = loadConfig();
  const health = await checkHealth(config, {
    web: async () => ({
      status: 'ok',
      details: { url: config.web.url, node: process.version, uptimeSeconds: Math.round(process.uptime()) },
    }),
  });
  return Response.json(health, { status: health.status === 'ok' ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
}
