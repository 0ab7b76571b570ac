-- First schema of the app database, in Prisma's naming (quoted PascalCase tables, camelCase
-- columns) so listeners see the same table and column names as the production site.

CREATE TYPE "ReviewReactions" AS ENUM ('Like', 'Dislike', 'Laugh', 'Cry', 'Heart');

CREATE TABLE "User" (
  "id" serial PRIMARY KEY,
  "username" text UNIQUE,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE TABLE "Image" (
  "id" serial PRIMARY KEY,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "postId" integer,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE INDEX "Image_userId_idx" ON "Image"("userId");

CREATE TABLE "ImageReaction" (
  "id" serial PRIMARY KEY,
  "imageId" integer NOT NULL REFERENCES "Image"("id") ON DELETE CASCADE,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "reaction" "ReviewReactions" NOT NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  UNIQUE ("imageId", "userId", "reaction")
);

-- One column per type the change-event decoder must handle (Debezium renders each differently:
-- numeric as a string with decimal.handling.mode=string, timestamp(6) as epoch micros,
-- timestamptz as an ISO string, date as days since epoch, jsonb as a JSON string).
CREATE TABLE "TypeProbe" (
  "id" bigserial PRIMARY KEY,
  "amount" numeric(12, 4),
  "flag" boolean,
  "meta" jsonb,
  "at" timestamp(6),
  "atz" timestamptz,
  "day" date
);

-- Listeners need the old row on update and delete (to decrement what they counted), and
-- Postgres only logs the primary key of the old row unless the identity is FULL.
ALTER TABLE "User" REPLICA IDENTITY FULL;
ALTER TABLE "Image" REPLICA IDENTITY FULL;
ALTER TABLE "ImageReaction" REPLICA IDENTITY FULL;
ALTER TABLE "TypeProbe" REPLICA IDENTITY FULL;
