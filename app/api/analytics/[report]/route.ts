import { reportAnswer } from '@/lib/web/read-api';

export const dynamic = 'force-dynamic';

/**
 * One analytics report (names and parameters in lib/indexer/analytics.ts), answered by the indexer: JSON, or a
 * CSV download when the name ends in `.csv`; 400 with the parameter at fault, 503 when the indexer does not answer.
 */
export async function GET(request: Request, { params }: { params: Promise<{ report: string }> }): Promise<Response> {
  return reportAnswer(request, (await params).report);
}
