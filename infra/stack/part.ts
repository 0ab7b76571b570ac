import type { stackPaths } from './paths.js';
import type { PortMap } from './ports.js';

export type PartState = 'up' | 'down' | 'disabled' | 'embedded' | 'remote' | 'unreachable';

export interface PartStatus {
  name: string;
  state: PartState;
  pid?: number;
  port?: number;
  detail?: string;
}

export interface StackContext {
  paths: ReturnType<typeof stackPaths>;
  ports: PortMap;
  say: (line: string) => void;
}

/** 'running' means `up` found it already healthy and touched nothing. */
export type UpOutcome = {
  outcome: 'started' | 'running' | 'applied' | 'skipped' | 'resolved' | 'cached';
  detail?: string;
};

export interface Part {
  name: string;
  /** Log shown by `logs <part>` and quoted when the part fails to start. */
  logFile?: (ctx: StackContext) => string;
  status: (ctx: StackContext) => Promise<PartStatus>;
  up: (ctx: StackContext) => Promise<UpOutcome>;
  down: (ctx: StackContext) => Promise<string>;
  env: (ctx: StackContext) => Record<string, string>;
  /** Deletes data the part keeps outside the stack directory (`down --purge` deletes the rest). */
  purgeOutside?: (ctx: StackContext) => string | undefined;
}
