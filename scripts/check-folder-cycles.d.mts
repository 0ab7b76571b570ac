/** A cycle of folders (closed: the first folder repeats at the end) and one import per step. */
export interface FolderCycle {
  folders: string[];
  imports: string[];
}

export function folderGraph(src: string): Map<string, Map<string, string>>;
export function folderCycles(graph: Map<string, Map<string, string>>): FolderCycle[];
export function packageSources(root: string): string[];
export function checkFolderCycles(root: string): (FolderCycle & { package: string })[];
