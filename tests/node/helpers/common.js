'use strict'
const { Client } = require('qualys-cs')
const { USER, PASS } = require('./server')

function camel(s) {
  return s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
}

/** The JS name of a resource path: `registries.schedules` → ['registries', 'schedules']. */
function resourcePath(resource) {
  return resource.split('.').map(camel)
}

function methodOf(client, e) {
  let target = client
  for (const p of resourcePath(e.resource)) target = target[p]
  const fn = target[camel(e.method)]
  return (...args) => fn.apply(target, args)
}

function newClient(server, extra = {}) {
  return new Client({ baseUrl: server.url, username: USER, password: PASS, auth: 'basic', maxRetries: 0, ...extra })
}

module.exports = { camel, resourcePath, methodOf, newClient }
