CREATE TABLE "asset_ancestors" (
	"asset_id" bigint NOT NULL,
	"ancestor_id" bigint NOT NULL,
	"bps" integer NOT NULL,
	"distance" integer NOT NULL,
	CONSTRAINT "asset_ancestors_asset_id_ancestor_id_pk" PRIMARY KEY("asset_id","ancestor_id")
);
--> statement-breakpoint
CREATE TABLE "asset_lineage" (
	"asset_id" bigint PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"content_hash" text NOT NULL,
	"registered_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "asset_parents" (
	"asset_id" bigint NOT NULL,
	"parent_id" bigint NOT NULL,
	"job_id" bigint,
	"bps" integer NOT NULL,
	CONSTRAINT "asset_parents_asset_id_parent_id_pk" PRIMARY KEY("asset_id","parent_id")
);
--> statement-breakpoint
CREATE TABLE "royalties" (
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"asset_id" bigint NOT NULL,
	"ancestor_id" bigint NOT NULL,
	"owner" text NOT NULL,
	"currency" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"sale_log_index" integer NOT NULL,
	"job_id" bigint,
	"wash" text,
	CONSTRAINT "royalties_tx_hash_log_index_pk" PRIMARY KEY("tx_hash","log_index")
);
--> statement-breakpoint
CREATE TABLE "royalty_rollup" (
	"dimension" text NOT NULL,
	"key" text NOT NULL,
	"wash" boolean NOT NULL,
	"payments" integer NOT NULL,
	"volume" numeric(78, 0) NOT NULL,
	CONSTRAINT "royalty_rollup_dimension_key_wash_pk" PRIMARY KEY("dimension","key","wash")
);
--> statement-breakpoint
ALTER TABLE "sales_rollup" ADD COLUMN "royalties" numeric(78, 0) DEFAULT '0' NOT NULL;--> statement-breakpoint
CREATE INDEX "asset_ancestors_ancestor" ON "asset_ancestors" USING btree ("ancestor_id");--> statement-breakpoint
CREATE INDEX "asset_parents_parent" ON "asset_parents" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "royalties_ancestor" ON "royalties" USING btree ("ancestor_id");--> statement-breakpoint
CREATE INDEX "royalties_asset" ON "royalties" USING btree ("asset_id");--> statement-breakpoint
CREATE INDEX "royalties_owner" ON "royalties" USING btree ("owner");--> statement-breakpoint
CREATE INDEX "royalties_block" ON "royalties" USING btree ("block_number");