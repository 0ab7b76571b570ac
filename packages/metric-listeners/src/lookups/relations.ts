/** An image's post (null until it is posted) and its owner. */
export interface ImageRelations {
  postId: number | null;
  userId: number;
}

/** The model a version belongs to. */
export interface ModelVersionRelations {
  modelId: number;
}

/** A model's owner. */
export interface ModelRelations {
  userId: number;
}

/** The entity a comment thread hangs off; reply threads (on a comment) have none of these. */
export interface ThreadRelations {
  imageId: number | null;
  postId: number | null;
  articleId: number | null;
  bountyId: number | null;
}

/** What kind of collection it is: `Bookmark` collections hold favorites. */
export interface CollectionRelations {
  mode: string | null;
}
