'use strict'
// What `console.log` and `util.inspect` show of the package's objects (as the Python binding's
// reprs): the few fields that say what an object is, never a secret, never the internals (a
// client's native handle, its fifteen resources, each pointing back at it).

// `util.inspect.custom` is this registered symbol; spelled so, no `node:util` is needed to define it.
const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/**
 * `Name { a: 1, b: 'x' }`, as util.inspect prints a class instance, of `fields` without the
 * undefined ones; `[Name]` past the inspection's depth. Arguments are those util.inspect passes
 * to a custom inspection function.
 */
function shown(name, fields, depth, options, inspect) {
  if (depth < 0) return options.stylize(`[${name}]`, 'special')
  const given = {}
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) given[k] = v
  const fmt = typeof inspect === 'function' ? inspect : require('node:util').inspect
  // `fields` stand for the object's own properties: they get the depth left at the object.
  return `${name} ${fmt(given, { ...options, depth })}`
}

/** A URL as shown: credentials written into it (`https://user:secret@host`) replaced by `***`. */
function safeUrl(url) {
  if (typeof url !== 'string') return url
  try {
    const u = new URL(url)
    if (!u.username && !u.password) return url
    u.username = '***'
    u.password = ''
    return u.href
  } catch {
    // Not a URL the client would take: shown only up to any `@`, which could follow a secret.
    return url.includes('@') ? `***@${url.slice(url.lastIndexOf('@') + 1)}` : url
  }
}

module.exports = { INSPECT, shown, safeUrl }
