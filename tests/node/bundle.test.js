'use strict'
// Bundling: a TypeScript handler (bundle/handler.ts) bundled by esbuild, as CDK's NodejsFunction and
// SAM do, with the `.node` loaders users set (`copy`, `file`), then run from a folder holding only
// the bundle and the addon: no node_modules, the project it was bundled from deleted. Against the
// embedded simulator. The project is laid out as an install is: `qualys-cs` (the JS layer, no addon)
// and the platform package `qualys-cs-<platform>` with the addon; and as a build from source is
// (the addon beside load.js, no platform package).
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { platformTag, VERSION } = require('../../bindings-node/load.js')

const ROOT = path.resolve(__dirname, '..', '..')
const TAG = platformTag()
const ADDON = path.join(ROOT, 'bindings-node', `qualys-cs.${TAG}.node`)
const HANDLER = path.join(__dirname, 'bundle', 'handler.ts')
const skip = fs.existsSync(ADDON) ? false : `no addon built at ${ADDON} (npm run build)`

let work
before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'qualys-cs-bundle-'))
})
after(() => fs.rmSync(work, { recursive: true, force: true }))

/** A project with `qualys-cs` installed: the package's JS files, and the addon where `layout` puts it. */
function project(name, layout) {
  const dir = path.join(work, name)
  const pkg = path.join(dir, 'node_modules', 'qualys-cs')
  fs.mkdirSync(path.join(pkg, 'bindings-node'), { recursive: true })
  for (const f of fs.readdirSync(path.join(ROOT, 'bindings-node'))) {
    if (/\.(js|mjs)$/.test(f)) fs.copyFileSync(path.join(ROOT, 'bindings-node', f), path.join(pkg, 'bindings-node', f))
  }
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'))
  if (layout === 'platform-package') {
    const plat = path.join(dir, 'node_modules', `qualys-cs-${TAG}`)
    fs.mkdirSync(plat, { recursive: true })
    const manifest = { name: `qualys-cs-${TAG}`, version: VERSION, main: `qualys-cs.${TAG}.node` }
    fs.writeFileSync(path.join(plat, 'package.json'), JSON.stringify(manifest))
    fs.copyFileSync(ADDON, path.join(plat, manifest.main))
  } else if (layout === 'built-from-source') {
    fs.copyFileSync(ADDON, path.join(pkg, 'bindings-node', `qualys-cs.${TAG}.node`))
  }
  fs.copyFileSync(HANDLER, path.join(dir, 'handler.ts'))
  return dir
}

/** esbuild's CLI, as a user's build runs it: `handler.ts` into `<dir>/out`. */
function bundle(dir, args) {
  const esbuild = path.join(path.dirname(require.resolve('esbuild/package.json', { paths: [ROOT] })), 'bin', 'esbuild')
  const out = path.join(dir, 'out')
  const r = spawnSync(esbuild, ['handler.ts', '--bundle', '--platform=node', '--target=node18', `--outdir=${out}`, ...args], {
    cwd: dir, encoding: 'utf8', timeout: 60_000,
  })
  assert.equal(r.status, 0, `esbuild ${args.join(' ')} failed:\n${r.stderr}`)
  return { out, log: r.stderr }
}

/** Moves the bundle to a folder of its own, deletes the project, runs it there; its output and status. */
function runAlone(dir, out) {
  const alone = path.join(work, `${path.basename(dir)}-alone`)
  fs.renameSync(out, alone)
  fs.rmSync(dir, { recursive: true, force: true })
  const env = { ...process.env }
  delete env.NODE_PATH
  const r = spawnSync(process.execPath, ['handler.js'], { cwd: alone, env, encoding: 'utf8', timeout: 60_000 })
  return { ...r, files: fs.readdirSync(alone).sort() }
}

for (const loader of ['copy', 'file']) {
  test(`esbuild --loader:.node=${loader}: the bundle runs alone, the addon from the platform package`, { skip, timeout: 120_000 }, () => {
    const dir = project(`platform-${loader}`, 'platform-package')
    const { out, log } = bundle(dir, [`--loader:.node=${loader}`])
    assert.doesNotMatch(log, /No loader is configured|Could not resolve/, log)
    const r = runAlone(dir, out)
    assert.equal(r.status, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), { images: 30, notFound: true })
    // The bundle and the one addon it copied: nothing else is needed beside it.
    assert.equal(r.files.length, 2, `${r.files}`)
    assert.ok(r.files.includes('handler.js') && r.files.some((f) => f.endsWith('.node')), `${r.files}`)
  })
}

test('esbuild --loader:.node=copy: an addon built from source (beside load.js) is bundled too', { skip, timeout: 120_000 }, () => {
  const dir = project('source-copy', 'built-from-source')
  const { out } = bundle(dir, ['--loader:.node=copy'])
  const r = runAlone(dir, out)
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual(JSON.parse(r.stdout), { images: 30, notFound: true })
})

test('a bundle without the addon fails on first use naming the platform, the package and the fix', { skip, timeout: 120_000 }, () => {
  // The platform package left out of the bundle (an `--external` of it, not shipped).
  const dir = project('external', 'platform-package')
  const { out } = bundle(dir, ['--loader:.node=copy', `--external:qualys-cs-${TAG}`])
  const r = runAlone(dir, out)
  assert.notEqual(r.status, 0)
  for (const want of [TAG, `qualys-cs-${TAG}@${VERSION}`, 'npx qualys-cs build-from-source', 'Bundling']) {
    assert.ok(r.stderr.includes(want), `the error does not say ${want}:\n${r.stderr}`)
  }
  assert.match(r.stderr, /E_NATIVE_LOAD/)
})
