import { threadCommentsListener } from '../counting/thread-comments.js';

/** CommentV2 rows on an image's thread → the image's commentCount. */
export const imageComments = threadCommentsListener('image.comments', 'Image');
