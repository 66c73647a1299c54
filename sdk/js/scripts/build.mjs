// Builds dist/ from src/: the ESM module, the browser bundle (global `TIM`)
// and the type declarations. `--check` builds into a temporary directory and
// fails if the committed dist/ differs (the server embeds dist/, so it must
// never be stale).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, mkdirSync, cpSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'roomcast-sdk-')) : join(root, 'dist');

const banner = `/* ${pkg.name} ${pkg.version} (Roomcast protocol v${pkg.roomcast.protocol}). Built from sdk/js/src by \`npm run build\`; do not edit. */`;

async function build(dir) {
  mkdirSync(dir, { recursive: true });
  const common = {
    entryPoints: [join(root, 'src/index.ts')],
    bundle: true,
    target: 'es2020',
    charset: 'utf8',
    legalComments: 'none',
    banner: { js: banner },
    logLevel: 'warning',
  };
  await esbuild.build({ ...common, format: 'esm', outfile: join(dir, 'roomcast.esm.js') });
  // The browser bundle: `TIM.create`, `TIM.EVENT`, `TIM.TYPES` on a global
  // named like Tencent's script's.
  await esbuild.build({ ...common, format: 'iife', globalName: 'TIM', outfile: join(dir, 'roomcast.js') });
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', root, '--outDir', join(dir, 'types')], {
    stdio: 'inherit',
  });
}

function files(dir) {
  const list = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else list.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return list.sort();
}

await build(out);
if (check) {
  const committed = join(root, 'dist');
  const want = files(out);
  const have = files(committed);
  const stale = [];
  for (const f of new Set([...want, ...have])) {
    const a = want.includes(f) ? readFileSync(join(out, f)) : null;
    const b = have.includes(f) ? readFileSync(join(committed, f)) : null;
    if (!a || !b || !a.equals(b)) stale.push(f);
  }
  rmSync(out, { recursive: true, force: true });
  if (stale.length > 0) {
    console.error(`sdk/js/dist is stale relative to sdk/js/src (${stale.join(', ')}): run \`npm run build\` in sdk/js and commit dist/`);
    process.exit(1);
  }
  console.log('sdk/js/dist matches sdk/js/src');
} else {
  console.log(`built ${relative(process.cwd(), out) || '.'}: ${files(out).join(', ')}`);
}
