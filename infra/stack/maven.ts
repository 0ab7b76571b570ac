import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type MavenProject, mavenPoms, stackPaths } from './paths.js';
import { runChecked } from './process.js';

function classpathFile(project: MavenProject): string {
  return join(stackPaths().classpath, `${project}.txt`);
}

/** MAVEN_REPO_LOCAL points Maven at another local repository (used to measure a cold download). */
function mavenArgs(): string[] {
  const repo = process.env.MAVEN_REPO_LOCAL;
  return ['-B', '-q', ...(repo ? [`-Dmaven.repo.local=${repo}`] : [])];
}

function isFresh(project: MavenProject): boolean {
  const file = classpathFile(project);
  if (!existsSync(file)) return false;
  if (statSync(file).mtimeMs < statSync(mavenPoms[project]).mtimeMs) return false;
  // A wiped ~/.m2 leaves a classpath pointing at nothing; the JVM would then fail obscurely.
  return readFileSync(file, 'utf8')
    .trim()
    .split(':')
    .every((jar) => existsSync(jar));
}

// Two Mavens writing one local repository can corrupt half-downloaded files, so resolutions queue.
let queue: Promise<unknown> = Promise.resolve();

/** Returns the Java classpath of a Maven project, resolving jars into the local repository when needed. */
export function classpath(project: MavenProject, opts: { force?: boolean } = {}): Promise<string> {
  const next = queue.then(() => resolveClasspath(project, opts));
  queue = next.catch(() => {});
  return next;
}

async function resolveClasspath(project: MavenProject, opts: { force?: boolean }): Promise<string> {
  const file = classpathFile(project);
  if (opts.force || !isFresh(project)) {
    mkdirSync(stackPaths().classpath, { recursive: true });
    await runChecked('mvn', [
      ...mavenArgs(),
      '-f',
      mavenPoms[project],
      'dependency:build-classpath',
      `-Dmdep.outputFile=${file}`,
    ]);
  }
  return readFileSync(file, 'utf8').trim();
}

export function pomProperty(project: MavenProject, name: string): string {
  const pom = readFileSync(mavenPoms[project], 'utf8');
  const m = pom.match(new RegExp(`<${name.replace(/\./g, '\\.')}>([^<]+)</`));
  if (!m?.[1]) throw new Error(`${name} not found in ${mavenPoms[project]}`);
  return m[1];
}

/** Resolves every project; returns the ones Maven actually had to run for. */
export async function resolveAll(opts: { force?: boolean } = {}): Promise<MavenProject[]> {
  const projects = Object.keys(mavenPoms) as MavenProject[];
  const stale = projects.filter((p) => opts.force || !isFresh(p));
  for (const project of projects) await classpath(project, opts);
  return stale;
}
