import { tagAttachmentsListener } from './tag-attachments.js';

/** TagsOnModels rows → the tag's modelCount. */
export const tagModels = tagAttachmentsListener({
  id: 'tag.models',
  table: 'TagsOnModels',
  metric: 'modelCount',
  disabledFlag: false,
});

/** TagsOnImage rows (production's TagsOnImageNew) → the tag's imageCount. */
export const tagImages = tagAttachmentsListener({
  id: 'tag.images',
  table: 'TagsOnImage',
  metric: 'imageCount',
  disabledFlag: true,
});

/** TagsOnPost rows → the tag's postCount. */
export const tagPosts = tagAttachmentsListener({
  id: 'tag.posts',
  table: 'TagsOnPost',
  metric: 'postCount',
  disabledFlag: true,
});

/** TagsOnArticle rows → the tag's articleCount. */
export const tagArticles = tagAttachmentsListener({
  id: 'tag.articles',
  table: 'TagsOnArticle',
  metric: 'articleCount',
  disabledFlag: false,
});
