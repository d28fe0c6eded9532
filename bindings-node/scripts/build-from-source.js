#!/usr/bin/env node
'use strict'
// Builds the native addon from the Rust sources shipped in the package (or the repository) and puts
// it beside load.js as `qualys-cs.<platform>.node`, the first place load.js looks. For a platform
// with no prebuilt binary, or to build one's own; nothing runs it at install time (the package has
// no install script: installs stay quiet and fast). Run it as
//   npx qualys-cs build-from-source [--if-missing]
// (or `node node_modules/qualys-cs/bindings-node/scripts/build-from-source.js`). `--if-missing`
// builds only when no addon loads (the repository's test script uses it).
//
// The build folder is a temporary directory outside the package, removed afterwards, so the
// installed package holds only the addon; set CARGO_TARGET_DIR to keep (and reuse) the build.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const HERE = path.resolve(__dirname, '..')
const ROOT = path.resolve(HERE, '..')

function hasCargo() {
  const r = spawnSync('cargo', ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' })
  return !r.error && r.status === 0
}

function say(line) {
  process.stderr.write(`qualys-cs: ${line}\n`)
}

function run(cmd, args, env) {
  say(`${cmd} ${args.join(' ')}`)
  // Cargo's progress to stderr: stdout stays free for what a caller may pipe.
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    stdio: ['ignore', 2, 2],
    env: { ...process.env, ...env },
    shell: process.platform === 'win32',
  })
  if (r.error) say(`${cmd}: ${r.error.message}`)
  return !r.error && r.status === 0
}

/** The napi CLI when this is the repository (a dev install): it also regenerates native.js/.d.ts. */
function napiCli() {
  if (ROOT.split(path.sep).includes('node_modules')) return null
  try {
    return path.join(path.dirname(require.resolve('@napi-rs/cli/package.json', { paths: [ROOT] })), 'dist', 'cli.js')
  } catch {
    return null
  }
}

function build({ reason } = {}) {
  const { platformTag } = require('../load.js')
  const tag = platformTag()
  say(`building the native addon from source for ${tag}${reason ? ` (${reason})` : ''}; this takes a few minutes`)
  const cli = napiCli()
  if (cli) {
    return run(process.execPath, [cli, 'build', '--platform', '--release', '--manifest-path', 'bindings-node/Cargo.toml',
      '--output-dir', 'bindings-node', '--js', 'native.js', '--dts', 'native.d.ts'])
  }
  const keep = Boolean(process.env.CARGO_TARGET_DIR)
  const target = keep ? process.env.CARGO_TARGET_DIR : fs.mkdtempSync(path.join(os.tmpdir(), 'qualys-cs-build-'))
  try {
    if (!run('cargo', ['build', '--release', '--manifest-path', 'bindings-node/Cargo.toml'], { CARGO_TARGET_DIR: target })) {
      say('the build failed (output above); a Rust toolchain from https://rustup.rs is needed')
      return false
    }
    const lib = { darwin: 'libqualys_cs_node.dylib', win32: 'qualys_cs_node.dll' }[process.platform] ?? 'libqualys_cs_node.so'
    fs.copyFileSync(path.join(target, 'release', lib), path.join(HERE, `qualys-cs.${tag}.node`))
    say(`built bindings-node/qualys-cs.${tag}.node`)
    return true
  } finally {
    if (!keep) fs.rmSync(target, { recursive: true, force: true })
  }
}

/** Whether an addon of this package's version loads, asked of a fresh process (this one stays clean). */
function loads() {
  const r = spawnSync(process.execPath, ['-e', 'require(process.argv[1]).loadNative()', path.join(HERE, 'load.js')], { stdio: 'ignore' })
  return r.status === 0
}

const USAGE = `usage: qualys-cs build-from-source [--if-missing]
  Builds the native addon from the Rust sources in the package (needs Rust: https://rustup.rs) and
  puts it beside bindings-node/load.js, where it is loaded first. --if-missing: only when no addon
  loads (no prebuilt binary for this platform, or optional dependencies left out).`

/** The command: its exit status (0 built or not needed, 1 failed, 2 bad usage). */
function main(args) {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE)
    return 0
  }
  const unknown = args.filter((a) => a !== '--if-missing')
  if (unknown.length) {
    console.error(`qualys-cs build-from-source: unknown argument ${unknown[0]}\n${USAGE}`)
    return 2
  }
  if (args.includes('--if-missing') && loads()) {
    say('the native addon loads; nothing to build')
    return 0
  }
  if (!hasCargo()) {
    say('building the native addon from source needs Rust, and there is no cargo on the PATH: install it from https://rustup.rs, then run `npx qualys-cs build-from-source` again')
    return 1
  }
  if (!build()) return 1
  if (!loads()) {
    say('the addon built from source does not load')
    return 1
  }
  return 0
}

module.exports = { build, hasCargo, main }

if (require.main === module) process.exitCode = main(process.argv.slice(2))
