#!/usr/bin/env node
'use strict'
// Packs the npm packages into an output folder (default dist/):
//  - one per platform, `qualys-cs-<platform>-<version>.tgz`, from npm/<platform>/ (made by
//    `napi create-npm-dirs`; `napi build --platform -o npm/<platform>` or `napi artifacts` puts the
//    `.node` there), for every platform folder holding its `.node`;
//  - the main package, `qualys-cs-<version>.tgz`: the JS layer, its types, no install script, the
//    Rust sources of the addon's crates for `npx qualys-cs build-from-source` (no `target/`, no tests),
//    the npm README (bindings-node/README.md), LICENSE and CHANGELOG.md. Its package.json lists every
//    platform package as an optional dependency at the same version, as `napi prepublish` would, so
//    the repository's own package.json stays free of them (a dev `npm install` must not fetch a
//    published binary instead of building the checkout).
// The same tarballs are what the release workflow publishes.
//   node bindings-node/scripts/pack.js [--out dist] [--main-only | --platforms-only [--only <platform>]]

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.resolve(__dirname, '..', '..')
const args = process.argv.slice(2)
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt)
const OUT = path.resolve(opt('--out', path.join(ROOT, 'dist')))
const STAGE = path.join(ROOT, 'target', 'npm-stage')

const rootPkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))

function copy(rel, dest) {
  const to = path.join(dest, rel)
  fs.mkdirSync(path.dirname(to), { recursive: true })
  fs.copyFileSync(path.join(ROOT, rel), to)
}

function npmPack(dir) {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', OUT], { cwd: dir, encoding: 'utf8' })
  const [info] = JSON.parse(out)
  console.log(`${path.relative(ROOT, path.join(OUT, info.filename))}  ${(info.size / 1e6).toFixed(2)} MB packed, ${(info.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${info.entryCount} files`)
  return info
}

function tracked(dir) {
  return execFileSync('git', ['ls-files', '--', dir], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean)
}

/** The workspace members the Node addon needs: all but the Python binding. */
function rustMembers() {
  const text = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8')
  const m = text.match(/members\s*=\s*\[([^\]]*)\]/)
  return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]).filter((d) => d !== 'bindings-python')
}

function packMain() {
  const dest = path.join(STAGE, 'main')
  fs.rmSync(dest, { recursive: true, force: true })
  fs.mkdirSync(dest, { recursive: true })
  const files = new Set()
  // The JS layer (index, errors, resources, testing, load, native loader) and its types.
  for (const f of fs.readdirSync(path.join(ROOT, 'bindings-node'))) {
    if (/\.(js|mjs|d\.ts)$/.test(f)) files.add(`bindings-node/${f}`)
  }
  files.add('bindings-node/bin/qualys-cs.js')
  files.add('bindings-node/scripts/build-from-source.js')
  // The Rust sources for the from-source fallback: sources, manifests and data files, no tests.
  // Bench targets stay: a manifest that declares one does not load without its file.
  const members = rustMembers()
  for (const member of members) {
    for (const f of tracked(member)) {
      const rel = f.slice(member.length + 1)
      if (/^(tests|examples)\//.test(rel) || rel.endsWith('.md')) continue
      if (member === 'bindings-node' && !/^(src\/|Cargo\.toml$|build\.rs$)/.test(rel)) continue
      files.add(f)
    }
  }
  files.add('Cargo.lock')
  for (const f of files) copy(f, dest)
  // The shipped workspace lists only the members shipped, so cargo can load it.
  const cargo = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8')
  fs.writeFileSync(path.join(dest, 'Cargo.toml'),
    cargo.replace(/members\s*=\s*\[[^\]]*\]/, `members = [${members.map((d) => JSON.stringify(d)).join(', ')}]`))
  fs.copyFileSync(path.join(ROOT, 'bindings-node', 'README.md'), path.join(dest, 'README.md'))
  copy('LICENSE', dest)
  copy('CHANGELOG.md', dest)

  const pkg = { ...rootPkg }
  delete pkg.devDependencies
  // The repository's own install policy for its dev dependencies: nothing for a consumer.
  delete pkg.allowScripts
  // No scripts at all: an install script makes npm (11.16+) warn on every install, and the addon
  // comes prebuilt; building from source is the explicit `npx qualys-cs build-from-source`.
  delete pkg.scripts
  pkg.files = ['bindings-node/', 'Cargo.toml', 'Cargo.lock', ...members.filter((d) => d !== 'bindings-node').map((d) => `${d}/`), 'CHANGELOG.md']
  pkg.optionalDependencies = Object.fromEntries(platformDirs().map((d) => [`${rootPkg.name}-${d}`, rootPkg.version]))
  fs.writeFileSync(path.join(dest, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
  const info = npmPack(dest)
  if (pkg.scripts) throw new Error('the main package must have no scripts (npm warns about install scripts)')
  const bad = info.files.map((f) => f.path).filter((p) => /(^|\/)target\//.test(p) || p.endsWith('.node'))
  if (bad.length) throw new Error(`the main tarball must hold no build output: ${bad.join(', ')}`)
}

function platformDirs() {
  return fs.readdirSync(path.join(ROOT, 'npm')).filter((d) => fs.existsSync(path.join(ROOT, 'npm', d, 'package.json'))).sort()
}

function packPlatforms() {
  let n = 0
  const only = opt('--only', null)
  for (const d of platformDirs().filter((x) => !only || x === only)) {
    const src = path.join(ROOT, 'npm', d)
    const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'))
    if (!fs.existsSync(path.join(src, pkg.main))) continue
    if (pkg.version !== rootPkg.version) throw new Error(`npm/${d}/package.json: version ${pkg.version}, expected ${rootPkg.version}`)
    const dest = path.join(STAGE, d)
    fs.rmSync(dest, { recursive: true, force: true })
    fs.mkdirSync(dest, { recursive: true })
    for (const f of ['package.json', 'README.md', pkg.main]) fs.copyFileSync(path.join(src, f), path.join(dest, f))
    fs.copyFileSync(path.join(ROOT, 'LICENSE'), path.join(dest, 'LICENSE'))
    npmPack(dest)
    n++
  }
  if (n === 0) console.error('no platform package has its .node yet (make dist builds them)')
}

fs.mkdirSync(OUT, { recursive: true })
if (!args.includes('--main-only')) packPlatforms()
if (!args.includes('--platforms-only')) packMain()
