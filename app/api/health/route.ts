import { healthAnswer } from '@/lib/web/health';

export const dynamic = 'force-dynamic';

/** The market's health, one entry per component: 200 when every component is ok, 503 otherwise. */
export function GET(): Promise<Response> {
  return healthAnswer();
}
