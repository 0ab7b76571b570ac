/**
 * Decisions about what a metric means where the source leaves room for two readings. Rendered into the
 * mapping doc; each answer is what the listeners do and what the ground truth's SQL computes.
 */
export const SEMANTICS: readonly { question: string; answer: string }[] = [
  {
    question:
      'Which window does a row land in when it starts counting later (a draft version published, an old bounty awarded)?',
    answer:
      'The window of the row\'s own `createdAt`, not of the publish or award. A windowed value must equal a windowed SQL count over the rows, and `createdAt` is the one timestamp every row has and never changes. A version published today that was created last month adds to last month\'s uploads. A team that wants "published this week" adds a metric dated by `publishedAt` (a listener may give any time column of the row).',
  },
  {
    question: 'Do replies count as comments?',
    answer:
      "Model comments (`Comment`, the v1 table) count every row, replies (`parentId`) included, for the model and, when set, the version. `CommentV2` rows count for the entity their thread hangs off (post, image, article, bounty); a reply thread hangs off a comment, not an entity, so its comments count for nothing. This follows the two tables' shapes; hidden and ToS-violating comments never count.",
  },
  {
    question: 'Do failed generation jobs count?',
    answer:
      "`generationCount` counts every job row of `orchestration.jobs` that used the version, whatever its `status`: the plan names the table with no filter, and a failed job still ran on the resource. A job using two versions of one model is one generation of that model. Generations and earnings of a version still count for its model after the version is deleted, as its downloads do (their rows name the model): the version's model is read from the deleted-row archive.",
  },
  {
    question: 'What happens to counts when a counted row moves to another parent?',
    answer:
      "The count follows the row: the old parent loses it and the new one gains it, dated by the row's `createdAt`. No count goes below zero. A collection's `mode` (whether it holds someone's bookmarks) is set when the collection is created and never changes in the app, so an item counts as a favorite or as collected by that mode for as long as it stays.",
  },
];
