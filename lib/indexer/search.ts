/**
 * Full-text search over the indexed datasets: titles, descriptions and tags, with licence, price, format,
 * owner and compute-provider filters, sorting and pages.
 */
import { sql, type SQL } from 'drizzle-orm';

/** The search vector of a dataset row: title and tags weigh more than the description. */
export function searchVector(): SQL {
  return sql`setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', array_to_string(tags, ' ')), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')`;
}
