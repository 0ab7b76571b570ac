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
      "The count follows the row: the old parent loses it and the new one gains it, dated by the row's `createdAt`. No count goes below zero. (A collection item moved to another collection is such a row: `collection.items` handles the update of `collectionId`.) A collection's `mode` (whether it holds someone's bookmarks) is set when the collection is created and never changes in the app, so an item counts as a favorite or as collected by that mode for as long as it stays.",
  },
  {
    question: 'Whose reactions does a post count when its images move between posts?',
    answer:
      "The reactions of the images that are on the post now, whenever they were given: a post's counts equal SQL over the images whose current `postId` is the post. An image attached to a post brings its earlier reactions along, one moved away takes them with it, one detached (or whose post is deleted) counts for no post. Each reaction keeps its own `createdAt`, so windows count the reactions given in them. A new reaction is counted at once (`post.reactions`, a delta to the image's post as read when processed); a removed one (a delete, or the old kind of a changed reaction) touches the post instead, and every move of an image touches its old and its new post (`post.image-moves`). Touched posts are recomputed from one snapshot, which also repairs reactions processed on the wrong side of a move. Until that recompute (`EVENT_HOST_RECOMPUTE_SETTLE_MS` after the last touch, plus the catch-up wait; a post touched more often than that, at most `EVENT_HOST_RECOMPUTE_MAX_WAIT_MS` after its first touch, and again each max wait while touches go on) a removal is not yet shown and a moved image's reactions still count for its old post; no count reads below zero, because only recomputes, which set a post to its truth, ever lower one. After it they are exact.",
  },
  {
    question: "What is a model's imageCount, and in which window does an image count?",
    answer:
      "The number of distinct images made with any of its versions: an image made with two versions of one model counts once for the model (and once for each version's own `imageCount`). An image counts in the window of its first `ImageResource` row among the model's versions (when it was first attached to the model), not of the image's own `createdAt`: the version counts are dated the same way, and a model's count then never includes an image before any of its versions did. Whether a resource row adds an image to the model depends on the image's other rows, so the model's count is recomputed from the source whenever one of its resource rows is added, removed or changed; the versions' counts are deltas.",
  },
];
