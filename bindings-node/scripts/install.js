#!/usr/bin/env node
'use strict'
// `npm install` hook: build the native addon from source when no prebuilt one can be loaded.
//
// A prebuilt `.node` (beside native.js, or from the `qualys-cs-<platform>` package napi-rs'
// loader looks for) wins; otherwise `napi build --platform --release` runs (`@napi-rs/cli` when it
// is installed, as in this repository), else the same build straight through cargo, so installing
// the packed tarball elsewhere needs only Rust. `QUALYS_CS_SKIP_BUILD=1` skips; `--force` rebuilds.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const HERE = path.resolve(__dirname, '..')
const ROOT = path.resolve(HERE, '..')
const force = process.argv.includes('--force')

function loads() {
  const r = spawnSync(process.execPath, ['-e', "require('./native.js')"], { cwd: HERE, stdio: 'ignore' })
  return r.status === 0
}

function run(cmd, args, env) {
  console.error(`qualys-cs: ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env }, shell: process.platform === 'win32' })
  if (r.error) throw r.error
  return r.status === 0
}

/**
 * In a packed copy only the crates the addon needs are shipped: keep just the workspace members
 * that exist, so cargo can load the workspace.
 */
function trimWorkspace() {
  const file = path.join(ROOT, 'Cargo.toml')
  const text = fs.readFileSync(file, 'utf8')
  const m = text.match(/members\s*=\s*\[([^\]]*)\]/)
  if (!m) return
  const members = [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1])
  const present = members.filter((d) => fs.existsSync(path.join(ROOT, d, 'Cargo.toml')))
  if (present.length === members.length) return
  const list = present.map((d) => JSON.stringify(d)).join(', ')
  fs.writeFileSync(file, text.replace(m[0], `members = [${list}]`))
}

function cliPath() {
  try {
    return require.resolve('@napi-rs/cli/package.json', { paths: [ROOT] })
  } catch {
    return null
  }
}

function main() {
  if (process.env.QUALYS_CS_SKIP_BUILD === '1') return
  if (!force && loads()) return
  trimWorkspace()
  const napiArgs = ['build', '--platform', '--release', '--manifest-path', 'bindings-node/Cargo.toml',
    '--output-dir', 'bindings-node', '--js', 'native.js', '--dts', 'native.d.ts']
  const cli = cliPath()
  if (cli) {
    const bin = path.join(path.dirname(cli), 'dist', 'cli.js')
    if (run(process.execPath, [bin, ...napiArgs])) return
    process.exit(1)
  }
  // No napi CLI here (an install from the registry tarball): what `napi build --platform` does,
  // through cargo; the committed native.js loader then finds the file by its platform name.
  const target = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target')
  if (!run('cargo', ['build', '--release', '--manifest-path', 'bindings-node/Cargo.toml'], { CARGO_TARGET_DIR: target })) {
    console.error('qualys-cs: building the native addon failed; a Rust toolchain (https://rustup.rs) is needed when no prebuilt binary exists for this platform')
    process.exit(1)
  }
  const lib = { linux: 'libqualys_cs_node.so', darwin: 'libqualys_cs_node.dylib', win32: 'qualys_cs_node.dll' }[process.platform]
  fs.copyFileSync(path.join(target, 'release', lib), path.join(HERE, `qualys-cs.${platformSuffix()}.node`))
  if (!loads()) {
    console.error('qualys-cs: the built addon does not load')
    process.exit(1)
  }
}

function platformSuffix() {
  const { platform, arch } = process
  if (platform === 'linux') {
    const musl = !process.report?.getReport?.()?.header?.glibcVersionRuntime
    return `linux-${arch}-${musl ? 'musl' : 'gnu'}`
  }
  if (platform === 'win32') return `win32-${arch}-msvc`
  if (platform === 'darwin') return `darwin-${arch}`
  return `${platform}-${arch}`
}

main()
