import { threadCommentsListener } from '../counting/thread-comments.js';

/** CommentV2 rows on a post's thread → the post's commentCount. */
export const postComments = threadCommentsListener('post.comments', 'Post');
