import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Options for {@link copyWorkspace}. */
export interface CopyWorkspaceOptions {
  /** Leave out every path (relative, `/`-separated) for which this returns true. */
  exclude?: (relativePath: string) => boolean;
}

/** Recreates the symbolic links (and `.bin` folders) of one `node_modules` folder in `to`. */
function copyNodeModulesLinks(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(source), target);
    } else if (entry.isDirectory() && entry.name.startsWith('@')) {
      copyNodeModulesLinks(source, target);
    } else if (entry.isDirectory() && entry.name === '.bin') {
      mkdirSync(target, { recursive: true });
      for (const bin of readdirSync(source)) {
        const file = join(source, bin);
        if (lstatSync(file).isSymbolicLink()) symlinkSync(readlinkSync(file), join(target, bin));
        else copyFileSync(file, join(target, bin));
      }
    }
  }
}

/**
 * Copies the pnpm workspace at `root` into the empty folder `dest` so that releases can be
 * rehearsed there without touching the real working tree: every file git tracks or would track
 * (`git ls-files --cached --others --exclude-standard`, so no `dist`, `node_modules` or reports),
 * then the installed dependencies without copying them: `dest/node_modules` links to
 * `root/node_modules` and each package's `node_modules` links are recreated with the same
 * relative targets (so `@ait/*` workspace links point at the copy's packages).
 */
export function copyWorkspace(root: string, dest: string, options: CopyWorkspaceOptions = {}): void {
  if (!existsSync(join(root, 'pnpm-workspace.yaml'))) {
    throw new Error(`${root} is not a pnpm workspace root (no pnpm-workspace.yaml); pass the monorepo's root folder.`);
  }
  if (!existsSync(join(root, 'node_modules'))) {
    throw new Error(`${root} has no node_modules; run \`pnpm install\` in the monorepo first.`);
  }
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  })
    .toString('utf8')
    .split('\0')
    .filter((path) => path.length > 0);
  const packageDirs = new Set<string>();
  for (const relativePath of listed) {
    if (options.exclude?.(relativePath)) continue;
    const source = join(root, relativePath);
    if (!existsSync(source) || !lstatSync(source).isFile()) continue; // deleted in the working tree
    const target = join(dest, relativePath);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
    if (relativePath.endsWith('/package.json')) packageDirs.add(dirname(relativePath));
  }
  symlinkSync(join(root, 'node_modules'), join(dest, 'node_modules'));
  for (const dir of packageDirs) {
    const modules = join(root, dir, 'node_modules');
    if (existsSync(modules)) copyNodeModulesLinks(modules, join(dest, dir, 'node_modules'));
  }
}
