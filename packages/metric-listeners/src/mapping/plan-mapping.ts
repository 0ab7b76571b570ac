import type { EntityType } from '../counting/metric-move.js';

/** One metric as the plan annotates it: `pg cd userEngagement`, or `deprecated`. */
export interface PlannedMetric {
  metric: string;
  /** The plan's annotation, verbatim (`pg cud resourceReview`), or 'deprecated'. */
  plan: string;
}

/** A metric model of the plan. `entity` is the entity type its listeners emit; absent when retired. */
export interface PlannedModel {
  model: string;
  entity?: EntityType;
  metrics: readonly PlannedMetric[];
}

const m = (metric: string, plan: string): PlannedMetric => ({ metric, plan });
const d = (metric: string): PlannedMetric => ({ metric, plan: 'deprecated' });

/** Per-entity metrics the plan lists in the shape every tipped entity shares. */
const tips = [m('tippedCount', 'pg c buzzTip'), m('tippedAmountCount', 'pg c buzzTip')];
const reactions = (table: string) =>
  ['likeCount', 'dislikeCount', 'laughCount', 'cryCount', 'heartCount'].map((x) => m(x, `pg cd ${table}`));
const modelish = [
  m('rating', 'pg cud resourceReview'),
  m('ratingCount', 'pg cud resourceReview'),
  m('downloadCount', 'ch modelVersionEvent'),
  m('favoriteCount', 'pg cd collectionItem'),
  m('commentCount', 'pg cd comment'),
  m('collectedCount', 'pg cd collectionItem'),
  m('imageCount', 'pg cd imageResourceNew'),
  ...tips,
  m('generationCount', 'ch c orchestration.jobs'),
  m('thumbsUpCount', 'pg cud resourceReview'),
  m('thumbsDownCount', 'pg cud resourceReview'),
  m('earnedAmount', 'ch c buzz_resource_compensation'),
];

/**
 * The plan's "Mapping Metrics to events" table, transcribed (seeds/000_78de4735c18e487c.txt). The spec
 * the listeners are checked against: every metric not deprecated must be moved by some listener.
 */
export const PLAN_MAPPING: readonly PlannedModel[] = [
  {
    model: 'UserMetric',
    entity: 'User',
    metrics: [
      m('followingCount', 'pg cd userEngagement'),
      m('followerCount', 'pg cd userEngagement'),
      m('reactionCount', 'pg cd imageReaction'),
      m('hiddenCount', 'pg cd userEngagement'),
      m('uploadCount', 'pg cud modelVersion'),
      m('reviewCount', 'pg cud resourceReview'),
      d('answerCount'),
      d('answerAcceptCount'),
    ],
  },
  { model: 'ModelMetric', entity: 'Model', metrics: modelish },
  { model: 'ModelVersionMetric', entity: 'ModelVersion', metrics: modelish },
  { model: 'ModelMetricDaily', metrics: [d('type'), d('count')] },
  {
    model: 'PostMetric',
    entity: 'Post',
    metrics: [
      ...reactions('imageReaction'),
      m('commentCount', 'pg cd commentv2'),
      m('collectedCount', 'pg cd collectionItem'),
      d('ageGroup'),
    ],
  },
  {
    model: 'ImageMetric',
    entity: 'Image',
    metrics: [
      ...reactions('imageReaction'),
      m('commentCount', 'pg cd commentv2'),
      m('collectedCount', 'pg cd collectionItem'),
      ...tips,
      d('viewCount'),
      m('reactionCount', 'pg cd imageReaction'),
    ],
  },
  {
    model: 'CollectionMetric',
    entity: 'Collection',
    metrics: [
      m('followerCount', 'pg cd collectionContributor'),
      m('itemCount', 'pg cd collectionItem'),
      m('contributorCount', 'pg cd collectionContributor'),
    ],
  },
  {
    model: 'TagMetric',
    entity: 'Tag',
    metrics: [
      m('modelCount', 'pg cd tagsOnModel'),
      m('imageCount', 'pg cud tagsOnImageNew'),
      m('postCount', 'pg cud tagsOnPost'),
      m('articleCount', 'pg cd tagsOnArticle'),
      m('hiddenCount', 'pg cd tagEngagement'),
      m('followerCount', 'pg cd tagEngagement'),
    ],
  },
  { model: 'QuestionMetric', metrics: [d('heartCount'), d('commentCount'), d('answerCount')] },
  { model: 'AnswerMetric', metrics: [d('checkCount'), d('crossCount'), d('heartCount'), d('commentCount')] },
  {
    model: 'ArticleMetric',
    entity: 'Article',
    metrics: [
      ...reactions('articleReaction'),
      m('commentCount', 'pg cd commentv2'),
      d('viewCount'),
      m('favoriteCount', 'pg cd collectionItem'),
      m('hideCount', 'pg cd articleEngagement'),
      m('collectedCount', 'pg cd collectionItem'),
      ...tips,
    ],
  },
  {
    model: 'BountyMetric',
    entity: 'Bounty',
    metrics: [
      m('favoriteCount', 'pg cd bountyEngagement'),
      m('trackCount', 'pg cd bountyEngagement'),
      m('entryCount', 'pg cd bountyEntry'),
      m('benefactorCount', 'pg cd bountyBenefactor'),
      m('unitAmountCount', 'pg cd bountyBenefactor'),
      m('commentCount', 'pg cd commentv2'),
    ],
  },
  {
    model: 'BountyEntryMetric',
    entity: 'BountyEntry',
    metrics: [...reactions('bountyEntryReaction'), m('unitAmountCount', 'pg u bountyBenefactor'), ...tips],
  },
  {
    model: 'ClubPostMetric',
    metrics: ['likeCount', 'dislikeCount', 'laughCount', 'cryCount', 'heartCount'].map(d),
  },
  { model: 'ClubMetric', metrics: [d('memberCount'), d('clubPostCount'), d('resourceCount')] },
];

/** Plan metrics stored as other metric types: the average `rating` is kept as `ratingSum` (and `ratingCount`). */
export const STORED_AS: Readonly<Record<string, readonly string[]>> = { rating: ['ratingSum'] };
