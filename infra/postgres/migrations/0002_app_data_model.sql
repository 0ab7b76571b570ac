-- The rest of the app's data model: every source table of the metric mapping, as
-- packages/app-db/prisma/schema.prisma declares it (packages/app-db/test/schema-matches-migrations
-- .integration.test.ts compares the two). Types follow Prisma's Postgres mapping: Int → integer,
-- String → text, DateTime → timestamp(3), String[] → text[], enums → enum types.

CREATE TYPE "UserEngagementType" AS ENUM ('Follow', 'Hide', 'Block');
CREATE TYPE "TagEngagementType" AS ENUM ('Follow', 'Hide', 'Allow');
CREATE TYPE "ModelEngagementType" AS ENUM ('Favorite', 'Hide', 'Notify', 'Mute');
CREATE TYPE "ArticleEngagementType" AS ENUM ('Favorite', 'Hide');
CREATE TYPE "BountyEngagementType" AS ENUM ('Favorite', 'Track');
CREATE TYPE "ModelType" AS ENUM ('Checkpoint', 'TextualInversion', 'LORA', 'Controlnet', 'Upscaler', 'VAE', 'Workflows', 'Other');
CREATE TYPE "ModelStatus" AS ENUM ('Draft', 'Training', 'Published', 'Scheduled', 'Unpublished', 'UnpublishedViolation', 'Deleted');
CREATE TYPE "MediaType" AS ENUM ('image', 'video', 'audio');
CREATE TYPE "CollectionType" AS ENUM ('Model', 'Article', 'Post', 'Image');
CREATE TYPE "CollectionMode" AS ENUM ('Contest', 'Bookmark');
CREATE TYPE "CollectionReadConfiguration" AS ENUM ('Private', 'Public', 'Unlisted');
CREATE TYPE "TagType" AS ENUM ('UserGenerated', 'Label', 'Moderation', 'System');
CREATE TYPE "BountyType" AS ENUM ('ModelCreation', 'LoraCreation', 'EmbedCreation', 'DataSetCreation', 'DataSetCaption', 'ImageCreation', 'VideoCreation', 'Other');

-- ------------------------------------------------------------------------------------------ users

ALTER TABLE "User"
  ADD COLUMN "email" text UNIQUE,
  ADD COLUMN "image" text,
  ADD COLUMN "deletedAt" timestamp(3),
  ADD COLUMN "bannedAt" timestamp(3),
  ADD COLUMN "isModerator" boolean NOT NULL DEFAULT false;

CREATE TABLE "UserEngagement" (
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "targetUserId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "type" "UserEngagementType" NOT NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("userId", "targetUserId")
);
CREATE INDEX "UserEngagement_targetUserId_idx" ON "UserEngagement"("targetUserId");

-- ---------------------------------------------------------------------------- models and versions

CREATE TABLE "Model" (
  "id" serial PRIMARY KEY,
  "name" text NOT NULL,
  "description" text,
  "type" "ModelType" NOT NULL DEFAULT 'Checkpoint',
  "status" "ModelStatus" NOT NULL DEFAULT 'Draft',
  "nsfw" boolean NOT NULL DEFAULT false,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "publishedAt" timestamp(3),
  "lastVersionAt" timestamp(3),
  "deletedAt" timestamp(3)
);
CREATE INDEX "Model_userId_idx" ON "Model"("userId");

CREATE TABLE "ModelVersion" (
  "id" serial PRIMARY KEY,
  "modelId" integer NOT NULL REFERENCES "Model"("id") ON DELETE CASCADE,
  "name" text NOT NULL,
  "description" text,
  "baseModel" text NOT NULL DEFAULT 'SD 1.5',
  "trainedWords" text[] NOT NULL DEFAULT ARRAY[]::text[],
  "index" integer NOT NULL DEFAULT 0,
  "status" "ModelStatus" NOT NULL DEFAULT 'Draft',
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "publishedAt" timestamp(3)
);
CREATE INDEX "ModelVersion_modelId_idx" ON "ModelVersion"("modelId");

CREATE TABLE "ResourceReview" (
  "id" serial PRIMARY KEY,
  "modelId" integer NOT NULL REFERENCES "Model"("id") ON DELETE CASCADE,
  "modelVersionId" integer NOT NULL REFERENCES "ModelVersion"("id") ON DELETE CASCADE,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "rating" integer NOT NULL,
  "recommended" boolean NOT NULL,
  "details" text,
  "nsfw" boolean NOT NULL DEFAULT false,
  "exclude" boolean NOT NULL DEFAULT false,
  "tosViolation" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE ("modelVersionId", "userId")
);
CREATE INDEX "ResourceReview_modelId_idx" ON "ResourceReview"("modelId");
CREATE INDEX "ResourceReview_userId_idx" ON "ResourceReview"("userId");

CREATE TABLE "ModelEngagement" (
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "modelId" integer NOT NULL REFERENCES "Model"("id") ON DELETE CASCADE,
  "type" "ModelEngagementType" NOT NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("userId", "modelId")
);
CREATE INDEX "ModelEngagement_modelId_idx" ON "ModelEngagement"("modelId");

-- ----------------------------------------------------------------------------- posts and images

CREATE TABLE "Post" (
  "id" serial PRIMARY KEY,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "title" text,
  "detail" text,
  "nsfwLevel" integer NOT NULL DEFAULT 0,
  "modelVersionId" integer REFERENCES "ModelVersion"("id") ON DELETE SET NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "publishedAt" timestamp(3)
);
CREATE INDEX "Post_userId_idx" ON "Post"("userId");

ALTER TABLE "Image"
  ADD COLUMN "name" text,
  ADD COLUMN "url" text,
  ADD COLUMN "hash" text,
  ADD COLUMN "width" integer,
  ADD COLUMN "height" integer,
  ADD COLUMN "type" "MediaType" NOT NULL DEFAULT 'image',
  ADD COLUMN "nsfwLevel" integer NOT NULL DEFAULT 0,
  ADD COLUMN "index" integer,
  ADD COLUMN "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  ADD COLUMN "publishedAt" timestamp(3);
-- NOT VALID: rows written before this migration (with no Post table to point at) are not re-checked.
ALTER TABLE "Image" ADD CONSTRAINT "Image_postId_fkey"
  FOREIGN KEY ("postId") REFERENCES "Post"("id") ON DELETE SET NULL NOT VALID;
CREATE INDEX "Image_postId_idx" ON "Image"("postId");

CREATE TABLE "ImageResource" (
  "imageId" integer NOT NULL REFERENCES "Image"("id") ON DELETE CASCADE,
  "modelVersionId" integer NOT NULL REFERENCES "ModelVersion"("id") ON DELETE CASCADE,
  "strength" integer,
  "detected" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("imageId", "modelVersionId")
);
CREATE INDEX "ImageResource_modelVersionId_idx" ON "ImageResource"("modelVersionId");

-- ------------------------------------------------------------------------------------- articles

CREATE TABLE "Article" (
  "id" serial PRIMARY KEY,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "title" text NOT NULL,
  "content" text NOT NULL DEFAULT '',
  "nsfwLevel" integer NOT NULL DEFAULT 0,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "publishedAt" timestamp(3)
);
CREATE INDEX "Article_userId_idx" ON "Article"("userId");

CREATE TABLE "ArticleReaction" (
  "id" serial PRIMARY KEY,
  "articleId" integer NOT NULL REFERENCES "Article"("id") ON DELETE CASCADE,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "reaction" "ReviewReactions" NOT NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE ("articleId", "userId", "reaction")
);

CREATE TABLE "ArticleEngagement" (
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "articleId" integer NOT NULL REFERENCES "Article"("id") ON DELETE CASCADE,
  "type" "ArticleEngagementType" NOT NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("userId", "articleId")
);
CREATE INDEX "ArticleEngagement_articleId_idx" ON "ArticleEngagement"("articleId");

-- ------------------------------------------------------------------------------------- bounties

CREATE TABLE "Bounty" (
  "id" serial PRIMARY KEY,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "name" text NOT NULL,
  "description" text NOT NULL DEFAULT '',
  "type" "BountyType" NOT NULL DEFAULT 'Other',
  "minBenefactorUnitAmount" integer NOT NULL DEFAULT 0,
  "nsfw" boolean NOT NULL DEFAULT false,
  "complete" boolean NOT NULL DEFAULT false,
  "startsAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "expiresAt" timestamp(3),
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "Bounty_userId_idx" ON "Bounty"("userId");

CREATE TABLE "BountyEngagement" (
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "bountyId" integer NOT NULL REFERENCES "Bounty"("id") ON DELETE CASCADE,
  "type" "BountyEngagementType" NOT NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("type", "bountyId", "userId")
);
CREATE INDEX "BountyEngagement_bountyId_idx" ON "BountyEngagement"("bountyId");

CREATE TABLE "BountyEntry" (
  "id" serial PRIMARY KEY,
  "bountyId" integer NOT NULL REFERENCES "Bounty"("id") ON DELETE CASCADE,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "description" text,
  "locked" boolean NOT NULL DEFAULT false,
  "nsfw" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "BountyEntry_bountyId_idx" ON "BountyEntry"("bountyId");

CREATE TABLE "BountyBenefactor" (
  "bountyId" integer NOT NULL REFERENCES "Bounty"("id") ON DELETE CASCADE,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "unitAmount" integer NOT NULL,
  "awardedToId" integer REFERENCES "BountyEntry"("id") ON DELETE SET NULL,
  "awardedAt" timestamp(3),
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("bountyId", "userId")
);
CREATE INDEX "BountyBenefactor_awardedToId_idx" ON "BountyBenefactor"("awardedToId");

CREATE TABLE "BountyEntryReaction" (
  "id" serial PRIMARY KEY,
  "bountyEntryId" integer NOT NULL REFERENCES "BountyEntry"("id") ON DELETE CASCADE,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "reaction" "ReviewReactions" NOT NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE ("bountyEntryId", "userId", "reaction")
);

-- ------------------------------------------------------------------------------------- comments

CREATE TABLE "Comment" (
  "id" serial PRIMARY KEY,
  "content" text NOT NULL,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "modelId" integer NOT NULL REFERENCES "Model"("id") ON DELETE CASCADE,
  "modelVersionId" integer REFERENCES "ModelVersion"("id") ON DELETE SET NULL,
  "parentId" integer REFERENCES "Comment"("id") ON DELETE CASCADE,
  "locked" boolean NOT NULL DEFAULT false,
  "hidden" boolean NOT NULL DEFAULT false,
  "tosViolation" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "Comment_modelId_idx" ON "Comment"("modelId");

CREATE TABLE "Thread" (
  "id" serial PRIMARY KEY,
  "locked" boolean NOT NULL DEFAULT false,
  "postId" integer UNIQUE REFERENCES "Post"("id") ON DELETE CASCADE,
  "imageId" integer UNIQUE REFERENCES "Image"("id") ON DELETE CASCADE,
  "articleId" integer UNIQUE REFERENCES "Article"("id") ON DELETE CASCADE,
  "bountyId" integer UNIQUE REFERENCES "Bounty"("id") ON DELETE CASCADE,
  "bountyEntryId" integer UNIQUE REFERENCES "BountyEntry"("id") ON DELETE CASCADE,
  "reviewId" integer UNIQUE,
  "commentId" integer UNIQUE,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "CommentV2" (
  "id" serial PRIMARY KEY,
  "content" text NOT NULL,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "threadId" integer NOT NULL REFERENCES "Thread"("id") ON DELETE CASCADE,
  "hidden" boolean NOT NULL DEFAULT false,
  "tosViolation" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "CommentV2_threadId_idx" ON "CommentV2"("threadId");
-- A reply thread hangs off a comment (created after both tables exist).
ALTER TABLE "Thread" ADD CONSTRAINT "Thread_commentId_fkey"
  FOREIGN KEY ("commentId") REFERENCES "CommentV2"("id") ON DELETE CASCADE;

-- ---------------------------------------------------------------------------------- collections

CREATE TABLE "Collection" (
  "id" serial PRIMARY KEY,
  "name" text NOT NULL,
  "description" text,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "type" "CollectionType",
  "mode" "CollectionMode",
  "read" "CollectionReadConfiguration" NOT NULL DEFAULT 'Private',
  "nsfw" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "Collection_userId_idx" ON "Collection"("userId");

CREATE TABLE "CollectionItem" (
  "id" serial PRIMARY KEY,
  "collectionId" integer NOT NULL REFERENCES "Collection"("id") ON DELETE CASCADE,
  "addedById" integer REFERENCES "User"("id") ON DELETE SET NULL,
  "modelId" integer REFERENCES "Model"("id") ON DELETE CASCADE,
  "modelVersionId" integer REFERENCES "ModelVersion"("id") ON DELETE SET NULL,
  "imageId" integer REFERENCES "Image"("id") ON DELETE CASCADE,
  "postId" integer REFERENCES "Post"("id") ON DELETE CASCADE,
  "articleId" integer REFERENCES "Article"("id") ON DELETE CASCADE,
  "note" text,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE ("collectionId", "modelId"),
  UNIQUE ("collectionId", "imageId"),
  UNIQUE ("collectionId", "postId"),
  UNIQUE ("collectionId", "articleId")
);
CREATE INDEX "CollectionItem_modelId_idx" ON "CollectionItem"("modelId");
CREATE INDEX "CollectionItem_imageId_idx" ON "CollectionItem"("imageId");
CREATE INDEX "CollectionItem_postId_idx" ON "CollectionItem"("postId");
CREATE INDEX "CollectionItem_articleId_idx" ON "CollectionItem"("articleId");

CREATE TABLE "CollectionContributor" (
  "collectionId" integer NOT NULL REFERENCES "Collection"("id") ON DELETE CASCADE,
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "permissions" text[] NOT NULL DEFAULT ARRAY[]::text[],
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("userId", "collectionId")
);
CREATE INDEX "CollectionContributor_collectionId_idx" ON "CollectionContributor"("collectionId");

-- ------------------------------------------------------------------------------------------ tips

CREATE TABLE "BuzzTip" (
  "id" serial PRIMARY KEY,
  "entityType" text NOT NULL,
  "entityId" integer,
  "fromUserId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "toUserId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "amount" integer NOT NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "BuzzTip_entityType_entityId_idx" ON "BuzzTip"("entityType", "entityId");

-- ------------------------------------------------------------------------------------------ tags

CREATE TABLE "Tag" (
  "id" serial PRIMARY KEY,
  "name" text NOT NULL UNIQUE,
  "type" "TagType" NOT NULL DEFAULT 'UserGenerated',
  "unlisted" boolean NOT NULL DEFAULT false,
  "isCategory" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "TagsOnModels" (
  "modelId" integer NOT NULL REFERENCES "Model"("id") ON DELETE CASCADE,
  "tagId" integer NOT NULL REFERENCES "Tag"("id") ON DELETE CASCADE,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("modelId", "tagId")
);
CREATE INDEX "TagsOnModels_tagId_idx" ON "TagsOnModels"("tagId");

CREATE TABLE "TagsOnImage" (
  "imageId" integer NOT NULL REFERENCES "Image"("id") ON DELETE CASCADE,
  "tagId" integer NOT NULL REFERENCES "Tag"("id") ON DELETE CASCADE,
  "automated" boolean NOT NULL DEFAULT false,
  "confidence" integer NOT NULL DEFAULT 0,
  "disabled" boolean NOT NULL DEFAULT false,
  "needsReview" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "disabledAt" timestamp(3),
  PRIMARY KEY ("imageId", "tagId")
);
CREATE INDEX "TagsOnImage_tagId_idx" ON "TagsOnImage"("tagId");

CREATE TABLE "TagsOnPost" (
  "postId" integer NOT NULL REFERENCES "Post"("id") ON DELETE CASCADE,
  "tagId" integer NOT NULL REFERENCES "Tag"("id") ON DELETE CASCADE,
  "confidence" integer NOT NULL DEFAULT 0,
  "disabled" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("postId", "tagId")
);
CREATE INDEX "TagsOnPost_tagId_idx" ON "TagsOnPost"("tagId");

CREATE TABLE "TagsOnArticle" (
  "articleId" integer NOT NULL REFERENCES "Article"("id") ON DELETE CASCADE,
  "tagId" integer NOT NULL REFERENCES "Tag"("id") ON DELETE CASCADE,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("articleId", "tagId")
);
CREATE INDEX "TagsOnArticle_tagId_idx" ON "TagsOnArticle"("tagId");

CREATE TABLE "TagEngagement" (
  "userId" integer NOT NULL REFERENCES "User"("id") ON DELETE CASCADE,
  "tagId" integer NOT NULL REFERENCES "Tag"("id") ON DELETE CASCADE,
  "type" "TagEngagementType" NOT NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("userId", "tagId")
);
CREATE INDEX "TagEngagement_tagId_idx" ON "TagEngagement"("tagId");

-- Listeners need the old row on update and delete (see 0001): every captured table is FULL.
ALTER TABLE "UserEngagement" REPLICA IDENTITY FULL;
ALTER TABLE "Model" REPLICA IDENTITY FULL;
ALTER TABLE "ModelVersion" REPLICA IDENTITY FULL;
ALTER TABLE "ResourceReview" REPLICA IDENTITY FULL;
ALTER TABLE "ModelEngagement" REPLICA IDENTITY FULL;
ALTER TABLE "Post" REPLICA IDENTITY FULL;
ALTER TABLE "ImageResource" REPLICA IDENTITY FULL;
ALTER TABLE "Article" REPLICA IDENTITY FULL;
ALTER TABLE "ArticleReaction" REPLICA IDENTITY FULL;
ALTER TABLE "ArticleEngagement" REPLICA IDENTITY FULL;
ALTER TABLE "Bounty" REPLICA IDENTITY FULL;
ALTER TABLE "BountyEngagement" REPLICA IDENTITY FULL;
ALTER TABLE "BountyEntry" REPLICA IDENTITY FULL;
ALTER TABLE "BountyBenefactor" REPLICA IDENTITY FULL;
ALTER TABLE "BountyEntryReaction" REPLICA IDENTITY FULL;
ALTER TABLE "Comment" REPLICA IDENTITY FULL;
ALTER TABLE "Thread" REPLICA IDENTITY FULL;
ALTER TABLE "CommentV2" REPLICA IDENTITY FULL;
ALTER TABLE "Collection" REPLICA IDENTITY FULL;
ALTER TABLE "CollectionItem" REPLICA IDENTITY FULL;
ALTER TABLE "CollectionContributor" REPLICA IDENTITY FULL;
ALTER TABLE "BuzzTip" REPLICA IDENTITY FULL;
ALTER TABLE "Tag" REPLICA IDENTITY FULL;
ALTER TABLE "TagsOnModels" REPLICA IDENTITY FULL;
ALTER TABLE "TagsOnImage" REPLICA IDENTITY FULL;
ALTER TABLE "TagsOnPost" REPLICA IDENTITY FULL;
ALTER TABLE "TagsOnArticle" REPLICA IDENTITY FULL;
ALTER TABLE "TagEngagement" REPLICA IDENTITY FULL;
