/**
 * Why each deprecated metric of the plan has no listener, keyed by `Model` (all its metrics) or
 * `Model.metric`. Rendered into docs/metric-mapping.md; a test checks every deprecated entry has one.
 */
export const DEPRECATION_REASONS: Readonly<Record<string, string>> = {
  'UserMetric.answerCount':
    'Belongs to the retired questions-and-answers feature (QuestionMetric and AnswerMetric are deprecated whole); no table of the app model records answers.',
  'UserMetric.answerAcceptCount': 'Same as answerCount: questions and answers are retired.',
  ModelMetricDaily:
    'A per-day copy of model metrics. Any window is now a sum of entity metric events by `createdAt` (day, week, month, year, all), so daily rows would only duplicate them.',
  'PostMetric.ageGroup':
    "Not a count: the post's age bucket (a MetricTimeframe) that selected rows of the old per-timeframe tables. Timeframes are now applied at read time.",
  'ImageMetric.viewCount':
    'Views are not row changes in Postgres or ClickHouse source tables the mapping names, so change capture cannot count them; the plan retires the metric.',
  'ArticleMetric.viewCount': 'Same as ImageMetric.viewCount: views have no source table in the mapping.',
  QuestionMetric: 'The questions feature is retired; the plan deprecates the model whole.',
  AnswerMetric: 'The answers feature is retired; the plan deprecates the model whole.',
  ClubPostMetric: 'Clubs are retired; the plan deprecates the model whole.',
  ClubMetric: 'Clubs are retired; the plan deprecates the model whole.',
};
