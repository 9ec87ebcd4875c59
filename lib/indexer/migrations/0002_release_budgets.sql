CREATE TABLE "release_budgets" (
	"dataset_id" bigint PRIMARY KEY NOT NULL,
	"epsilon_total" numeric(20, 0) NOT NULL,
	"epsilon_per_buyer" numeric(20, 0) NOT NULL,
	"bytes_per_job" numeric(20, 0) NOT NULL,
	"bytes_per_buyer" numeric(20, 0) NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "epsilon" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "release_bytes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "released_bytes" bigint;