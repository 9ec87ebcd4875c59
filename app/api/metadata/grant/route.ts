import { grantRequestAnswer } from '@/lib/web/publishing';

export const dynamic = 'force-dynamic';

/**
 * GET /api/metadata/grant?address=0x…: the message a publisher signs so the metadata store may write for them
 * (a SIWE session for Ceramic), or `{ message: null }` when the store needs none.
 */
export function GET(request: Request): Promise<Response> {
  return grantRequestAnswer(request);
}
