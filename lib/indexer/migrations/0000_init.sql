CREATE TABLE "blocks" (
	"number" bigint PRIMARY KEY NOT NULL,
	"hash" text NOT NULL,
	"timestamp" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "buyers" (
	"buyer" text PRIMARY KEY NOT NULL,
	"purchases" integer NOT NULL,
	"wash_purchases" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "indexer_cursor" (
	"id" text PRIMARY KEY NOT NULL,
	"chain_id" integer NOT NULL,
	"registry" text NOT NULL,
	"start_block_hash" text NOT NULL,
	"last_block" bigint NOT NULL,
	"last_block_hash" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dataset_buyers" (
	"dataset_id" bigint NOT NULL,
	"buyer" text NOT NULL,
	"purchases" integer NOT NULL,
	"wash_purchases" integer NOT NULL,
	CONSTRAINT "dataset_buyers_dataset_id_buyer_pk" PRIMARY KEY("dataset_id","buyer")
);
--> statement-breakpoint
CREATE TABLE "dataset_versions" (
	"dataset_id" bigint NOT NULL,
	"version" integer NOT NULL,
	"metadata_cid" text NOT NULL,
	"block_number" bigint NOT NULL,
	"tx_hash" text NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	CONSTRAINT "dataset_versions_dataset_id_version_pk" PRIMARY KEY("dataset_id","version")
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" bigint PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"terms_id" bigint NOT NULL,
	"listed" boolean NOT NULL,
	"version" integer NOT NULL,
	"metadata_cid" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"title" text,
	"description" text,
	"tags" text[] NOT NULL,
	"format" text,
	"size" bigint,
	"row_count" bigint,
	"metadata_status" text NOT NULL,
	"search" "tsvector"
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"cid" text PRIMARY KEY NOT NULL,
	"document" jsonb,
	"signer" text,
	"error" text,
	"attempts" integer NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	"contract" text NOT NULL,
	"name" text NOT NULL,
	"args" jsonb NOT NULL,
	CONSTRAINT "events_tx_hash_log_index_pk" PRIMARY KEY("tx_hash","log_index")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigint PRIMARY KEY NOT NULL,
	"dataset_id" bigint NOT NULL,
	"provider_id" bigint NOT NULL,
	"buyer" text NOT NULL,
	"owner" text NOT NULL,
	"environment" integer NOT NULL,
	"escrow" numeric(78, 0) NOT NULL,
	"data_fee" numeric(78, 0) NOT NULL,
	"price_per_minute" numeric(78, 0) NOT NULL,
	"max_minutes" integer NOT NULL,
	"status" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"requested_block" bigint NOT NULL,
	"closed_at" timestamp with time zone,
	"minutes_used" integer,
	"delivered" boolean,
	"owner_amount" numeric(78, 0),
	"provider_amount" numeric(78, 0),
	"market_fee" numeric(78, 0),
	"buyer_refund" numeric(78, 0),
	"wash" text
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"id" bigint PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"signer" text NOT NULL,
	"endpoint" text NOT NULL,
	"environments" jsonb NOT NULL,
	"active" boolean NOT NULL,
	"registered_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "purchases" (
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	"dataset_id" bigint NOT NULL,
	"buyer" text NOT NULL,
	"owner" text NOT NULL,
	"terms_id" bigint NOT NULL,
	"currency" text NOT NULL,
	"price" numeric(78, 0) NOT NULL,
	"fee" numeric(78, 0) NOT NULL,
	"expires_at" timestamp with time zone,
	"wash" text,
	CONSTRAINT "purchases_tx_hash_log_index_pk" PRIMARY KEY("tx_hash","log_index")
);
--> statement-breakpoint
CREATE TABLE "sales_rollup" (
	"dimension" text NOT NULL,
	"key" text NOT NULL,
	"wash" boolean NOT NULL,
	"sales" integer NOT NULL,
	"volume" numeric(78, 0) NOT NULL,
	"fees" numeric(78, 0) NOT NULL,
	"buyers" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "sales_rollup_dimension_key_wash_pk" PRIMARY KEY("dimension","key","wash")
);
--> statement-breakpoint
CREATE TABLE "terms" (
	"id" bigint PRIMARY KEY NOT NULL,
	"currency" text NOT NULL,
	"access_duration" bigint NOT NULL,
	"rev_share_bps" integer NOT NULL,
	"compute_only" boolean NOT NULL,
	"ai_training" boolean NOT NULL,
	"transferable" boolean NOT NULL,
	"commercial_use" boolean NOT NULL,
	"derivatives" boolean NOT NULL,
	"download_price" numeric(78, 0) NOT NULL,
	"compute_price" numeric(78, 0) NOT NULL,
	"preset" text NOT NULL,
	"uri" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "token_transfers" (
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	"token" text NOT NULL,
	"from" text NOT NULL,
	"to" text NOT NULL,
	"value" numeric(78, 0) NOT NULL,
	CONSTRAINT "token_transfers_tx_hash_log_index_pk" PRIMARY KEY("tx_hash","log_index")
);
--> statement-breakpoint
CREATE INDEX "datasets_owner" ON "datasets" USING btree ("owner");--> statement-breakpoint
CREATE INDEX "datasets_search" ON "datasets" USING gin ("search");--> statement-breakpoint
CREATE INDEX "events_block" ON "events" USING btree ("block_number","log_index");--> statement-breakpoint
CREATE INDEX "jobs_dataset" ON "jobs" USING btree ("dataset_id");--> statement-breakpoint
CREATE INDEX "jobs_provider" ON "jobs" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "purchases_dataset" ON "purchases" USING btree ("dataset_id","timestamp");--> statement-breakpoint
CREATE INDEX "purchases_block" ON "purchases" USING btree ("block_number");--> statement-breakpoint
CREATE INDEX "purchases_wash" ON "purchases" USING btree ("timestamp") WHERE wash is not null;--> statement-breakpoint
CREATE INDEX "token_transfers_to" ON "token_transfers" USING btree ("to","from","timestamp");--> statement-breakpoint
CREATE INDEX "token_transfers_block" ON "token_transfers" USING btree ("block_number");