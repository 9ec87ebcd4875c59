import { searchAnswer } from '@/lib/web/read-api';

export const dynamic = 'force-dynamic';

/**
 * Dataset search (parameters in lib/indexer/search.ts), answered by the indexer: 400 with the parameter at
 * fault for a bad query, 503 when the indexer does not answer.
 */
export function GET(request: Request): Promise<Response> {
  return searchAnswer(request);
}
