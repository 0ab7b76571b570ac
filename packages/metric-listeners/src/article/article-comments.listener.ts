import { threadCommentsListener } from '../counting/thread-comments.js';

/** CommentV2 rows on an article's thread → the article's commentCount. */
export const articleComments = threadCommentsListener('article.comments', 'Article');
