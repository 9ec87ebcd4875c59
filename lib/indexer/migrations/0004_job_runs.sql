ALTER TABLE "jobs" ADD COLUMN "run_id" bigint;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "metered" boolean DEFAULT true NOT NULL;--> statement-breakpoint
-- The jobs indexed before: their runs from the JobsLinked logs kept in "events", as lib/indexer/project.ts sets them.
UPDATE "jobs" j SET "run_id" = r.first, "metered" = NOT EXISTS (
  SELECT 1 FROM "jobs" e WHERE e.id >= r.first AND e.id < j.id AND e.provider_id = j.provider_id
)
FROM (SELECT (args->>'firstJobId')::bigint AS first, (args->>'count')::bigint AS count FROM "events" WHERE contract = 'computeMarket' AND name = 'JobsLinked') r
WHERE j.id >= r.first AND j.id < r.first + r.count;
