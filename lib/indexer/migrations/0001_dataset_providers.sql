CREATE TABLE "dataset_providers" (
	"dataset_id" bigint NOT NULL,
	"provider_id" bigint NOT NULL,
	"allowed" boolean NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "dataset_providers_dataset_id_provider_id_pk" PRIMARY KEY("dataset_id","provider_id")
);
