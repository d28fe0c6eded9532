'use strict'
// Loading the native addon, in a way bundlers can follow. esbuild, webpack and the tools built on
// them (CDK's NodejsFunction, SAM) only see `require('literal')`: so each place an addon can be is
// one literal require below, inside a `try` (a bundler copies the files it finds and leaves the
// others be), and nothing is read relative to this file (in a bundle, this file is gone). The
// package's name, version and prebuilt platforms are constants here, kept equal to package.json by
// scripts/version.js (`make lint` checks them).
//
// Where an addon is looked for, first to last:
//  1. `qualys-cs.<platform>.node` beside this file: built from the repository (`npm run build`) or
//     by `npx qualys-cs build-from-source` in an installed package;
//  2. the platform package `qualys-cs-<platform>`, one of the main package's optional dependencies.
// An addon whose version is not this package's is refused (a stale build or a mismatched platform
// package would otherwise fail later, in less clear ways). When none loads, the error names the
// platform, the package looked for and the fix.

const NAME = 'qualys-cs'
const VERSION = '0.1.0'
/** The platform tags a prebuilt binary is published for (package.json's napi targets). */
const PREBUILT = ['linux-x64-gnu', 'linux-arm64-gnu', 'linux-x64-musl', 'linux-arm64-musl', 'darwin-x64', 'darwin-arm64', 'win32-x64-msvc']

/** The napi-rs platform tag of this process: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`, ... */
function platformTag() {
  const { platform, arch } = process
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function isMusl() {
  // glibc reports its version in the process report; musl has none.
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
  return !report?.header?.glibcVersionRuntime
}

/** The prebuilt platform tags (what package.json's napi targets name). */
function prebuiltTags() {
  return [...PREBUILT]
}

// The two switches below spell every path out, each inside a `try`: a bundler cannot follow
// `require(variable)`, and takes a literal require in a `try` that it cannot resolve as optional.

/** The addon built beside this file for `tag`; `undefined` (the error pushed) when there is none. */
function requireLocal(tag, errors) {
  try {
    switch (tag) {
      case 'linux-x64-gnu': return require('./qualys-cs.linux-x64-gnu.node')
      case 'linux-arm64-gnu': return require('./qualys-cs.linux-arm64-gnu.node')
      case 'linux-x64-musl': return require('./qualys-cs.linux-x64-musl.node')
      case 'linux-arm64-musl': return require('./qualys-cs.linux-arm64-musl.node')
      case 'darwin-x64': return require('./qualys-cs.darwin-x64.node')
      case 'darwin-arm64': return require('./qualys-cs.darwin-arm64.node')
      case 'win32-x64-msvc': return require('./qualys-cs.win32-x64-msvc.node')
    }
    // A platform with no prebuilt binary: only ever a build from source beside this file, never
    // bundled; opened by path (not `require`, which bundlers would warn about).
    return open(require('node:path').join(__dirname, `qualys-cs.${tag}.node`))
  } catch (e) {
    errors.push(e)
    return undefined
  }
}

/** The platform package's addon for `tag`; `undefined` (the error pushed) when there is none. */
function requirePackage(tag, errors) {
  try {
    switch (tag) {
      case 'linux-x64-gnu': return require('qualys-cs-linux-x64-gnu')
      case 'linux-arm64-gnu': return require('qualys-cs-linux-arm64-gnu')
      case 'linux-x64-musl': return require('qualys-cs-linux-x64-musl')
      case 'linux-arm64-musl': return require('qualys-cs-linux-arm64-musl')
      case 'darwin-x64': return require('qualys-cs-darwin-x64')
      case 'darwin-arm64': return require('qualys-cs-darwin-arm64')
      case 'win32-x64-msvc': return require('qualys-cs-win32-x64-msvc')
    }
    throw Object.assign(new Error(`no platform package is published for ${tag}`), { code: 'MODULE_NOT_FOUND' })
  } catch (e) {
    errors.push(e)
    return undefined
  }
}

/** A `.node` file opened by its path, as `require` would (without a bundler seeing a `require`). */
function open(file) {
  if (!require('node:fs').existsSync(file)) {
    throw Object.assign(new Error(`Cannot find module '${file}'`), { code: 'MODULE_NOT_FOUND' })
  }
  const m = { exports: {} }
  process.dlopen(m, file)
  return m.exports
}

/**
 * What a require of a `.node` gave, as the addon. Bundled with esbuild's `file` loader (or
 * webpack's `asset/resource`), the require gives the emitted file's path, relative to the bundle.
 */
function addon(got) {
  return typeof got === 'string' ? open(require('node:path').resolve(__dirname, got)) : got
}

/** The addon if it is this package's version, else throws saying whose it is. */
function checked(got, where) {
  const binding = addon(got)
  const version = typeof binding?.nativeVersion === 'function' ? binding.nativeVersion() : undefined
  if (version !== VERSION) {
    throw Object.assign(new Error(`${where} is version ${version ?? '(unknown)'}, not ${VERSION}`), { code: 'E_NATIVE_VERSION' })
  }
  return binding
}

const notFound = (e) => e?.code === 'MODULE_NOT_FOUND'

/** What to tell a user whose platform has no loadable addon (one paragraph, the fix included). */
function explain(cause, tag = platformTag()) {
  const binary = `${NAME}-${tag}`
  const fromSource = `build it from source instead (needs Rust, https://rustup.rs): npx ${NAME} build-from-source`
  const why = PREBUILT.includes(tag)
    ? `its prebuilt binary is the package ${binary}@${VERSION}, which is not installed or does not load ` +
      `(optional dependencies left out, e.g. --omit=optional, node_modules copied from another platform, ` +
      `or a bundle without the addon: see "Bundling" in the README). ` +
      `Fix: npm install ${binary}@${VERSION} (or reinstall ${NAME} with optional dependencies), or ${fromSource}`
    : `no prebuilt binary is published for it (prebuilt: ${PREBUILT.join(', ')}). Fix: ${fromSource}`
  // A failure other than "not there" (a wrong libc, a version mismatch) is what the user must see.
  const errors = cause instanceof AggregateError ? cause.errors : [cause]
  const real = errors.find((e) => e && !notFound(e))
  const detail = real ? ` (it failed with: ${String(real.message).split('\n')[0]})` : ''
  const e = new Error(`${NAME}: cannot load the native addon for ${tag} (Node ${process.versions.node})${detail}: ${why}`)
  e.code = 'E_NATIVE_LOAD'
  e.cause = cause
  return e
}

/** The addon for this platform, or throws `explain`'s error. */
function find() {
  const tag = platformTag()
  const errors = []
  const places = [
    [() => requireLocal(tag, errors), `the addon built beside ${NAME}'s load.js (qualys-cs.${tag}.node)`],
    [() => requirePackage(tag, errors), `the package ${NAME}-${tag}`],
  ]
  for (const [get, where] of places) {
    const got = get()
    if (got === undefined) continue
    try {
      return checked(got, where)
    } catch (e) {
      errors.push(e)
    }
  }
  throw explain(new AggregateError(errors, `no addon loads for ${tag}`), tag)
}

let native = null
/** The native addon, loaded once. */
function loadNative() {
  if (native === null) native = find()
  return native
}

module.exports = { loadNative, platformTag, prebuiltTags, explain, NAME, VERSION, PREBUILT }
