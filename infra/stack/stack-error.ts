/** A failure of the local stack with a message for the operator: printed alone, without a stack trace. */
export class StackError extends Error {}
