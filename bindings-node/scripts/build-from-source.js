#!/usr/bin/env node
'use strict'
// Builds the native addon from the Rust sources shipped in the package (or the repository) and puts
// it beside native.js as `qualys-cs.<platform>.node`, where napi-rs' loader looks first. Used by the
// install hook when no prebuilt addon loads, or run by hand:
//   node node_modules/qualys-cs/bindings-node/scripts/build-from-source.js
//
// The build folder is a temporary directory outside the package, removed afterwards, so the
// installed package holds only the addon; set CARGO_TARGET_DIR to keep (and reuse) the build.
// Cargo's progress goes to the terminal when there is one: npm hides an install script's output.

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

/**
 * Where progress goes: the terminal if there is one (npm pipes and hides a script's output), else
 * stderr, which npm shows on failure or with --foreground-scripts. Our own lines go to both when
 * stderr is a pipe, so logs have them too.
 */
function outputs() {
  if (process.platform !== 'win32') {
    try {
      const tty = fs.openSync('/dev/tty', 'w')
      return { fd: tty, also: process.stderr.isTTY ? null : 2 }
    } catch {
      // no controlling terminal (CI)
    }
  }
  return { fd: 2, also: null }
}

function say(out, line) {
  fs.writeSync(out.fd, `qualys-cs: ${line}\n`)
  if (out.also !== null) fs.writeSync(out.also, `qualys-cs: ${line}\n`)
}

function run(out, cmd, args, env) {
  say(out, `${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    stdio: ['ignore', out.fd, out.fd],
    env: { ...process.env, ...env },
    shell: process.platform === 'win32',
  })
  if (r.error) say(out, `${cmd}: ${r.error.message}`)
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
  const out = outputs()
  say(out, `building the native addon from source for ${tag}${reason ? ` (${reason})` : ''}; this takes a few minutes`)
  const cli = napiCli()
  if (cli) {
    return run(out, process.execPath, [cli, 'build', '--platform', '--release', '--manifest-path', 'bindings-node/Cargo.toml',
      '--output-dir', 'bindings-node', '--js', 'native.js', '--dts', 'native.d.ts'])
  }
  const keep = Boolean(process.env.CARGO_TARGET_DIR)
  const target = keep ? process.env.CARGO_TARGET_DIR : fs.mkdtempSync(path.join(os.tmpdir(), 'qualys-cs-build-'))
  try {
    if (!run(out, 'cargo', ['build', '--release', '--manifest-path', 'bindings-node/Cargo.toml'], { CARGO_TARGET_DIR: target })) {
      say(out, 'the build failed (output above); a Rust toolchain from https://rustup.rs is needed')
      return false
    }
    const lib = { darwin: 'libqualys_cs_node.dylib', win32: 'qualys_cs_node.dll' }[process.platform] ?? 'libqualys_cs_node.so'
    fs.copyFileSync(path.join(target, 'release', lib), path.join(HERE, `qualys-cs.${tag}.node`))
    say(out, `built bindings-node/qualys-cs.${tag}.node`)
    return true
  } finally {
    if (!keep) fs.rmSync(target, { recursive: true, force: true })
  }
}

module.exports = { build, hasCargo }

if (require.main === module) process.exit(build({ reason: 'run by hand' }) ? 0 : 1)
