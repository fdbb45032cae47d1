// Independent validation: FHIR.js (npm `fhir`) checks every resource of NDJSON files against official definitions.
//
//   node validate.mjs --version R4|R5 --definitions PATH [--definitions PATH ...] [--verbose] FILE.ndjson ...
//
// Each --definitions PATH is a folder of FHIR JSON resources (an extracted package's `package/` folder, our
// profiles/r4) or one such file; every CodeSystem, ValueSet and StructureDefinition in them is loaded. Earlier
// paths win when two define the same url, so give the core package first, then terminology, then ours.
//
// Each resource is validated against the core definition of its type, then against each profile it claims in
// meta.profile and each extension definition its extensions name (messages the core pass already gave are not
// repeated). Errors print one a line (file:line: Type/id: location: message); the last line counts them:
// "fhirjs: R4: 45024 resources, 0 errors, 12 warnings", after a summary of errors and warnings by pattern
// (--verbose prints every warning, and every error past the first 200). Exit 0 without errors, 1 with, 2 on
// bad usage.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ParseConformance, Validator, Versions } = require('fhir');

const OPTIONS = { errorOnUnexpected: true };
const CORE = 'http://hl7.org/fhir/StructureDefinition/';
const PRINTED_ERRORS = 200;

// Errors FHIR.js gives wrongly, each with the library rule at fault and why. An error is dropped (and counted)
// only when its "location: message" matches the whole pattern AND `holds` confirms on the resource itself that
// the error is false; anything else is reported.
const KNOWN_FALSE_POSITIVES = [
  {
    id: 'falsy-choice-value',
    // fhir 4.12.0 validator.js, validateProperties: a required choice element (value[x] 1..1) counts as present
    // only when `!!obj[valueXxx]`, so a present valueBoolean false (or valueInteger 0, valueString "") is
    // reported as "Missing property", once for every other type of the choice. R4 and R5
    // Group.characteristic.value[x] is 1..1, and "does not accept healthy volunteers" is valueBoolean false.
    pattern: /^(.+)\.([a-z][A-Za-z]*)\[x\]: Missing property$/,
    holds: (resource, m, [, parentPath, stem]) => {
      const parent = resolve(resource, parentPath, m.resourceId);
      return !!parent && Object.entries(parent).some(([key, value]) =>
        key.startsWith(stem) && /^[A-Z]/.test(key.slice(stem.length)) && [false, 0, ''].includes(value));
    },
  },
];

/** The node a FHIR.js location ("Group.characteristic[3]") names in a resource, or in the contained resource
 * `resourceId` (FHIR.js starts a contained resource's locations at its own type); undefined if it names none. */
function resolve(resource, location, resourceId) {
  const [root, ...steps] = location.split('.');
  let node = root === resource.resourceType && resourceId === resource.id ? resource
    : (resource.contained || []).find((r) => r.resourceType === root && r.id === resourceId);
  for (const step of steps) {
    const [, name, index] = step.match(/^([A-Za-z_]\w*)(?:\[(\d+)\])?$/) || [];
    node = name && node && typeof node === 'object' ? node[name] : undefined;
    if (index !== undefined) node = Array.isArray(node) ? node[Number(index)] : undefined;
  }
  return node;
}

/** The known false positive an error is, or undefined. */
function knownFalsePositive(resource, m) {
  if (m.severity !== 'error' && m.severity !== 'fatal') return undefined;
  for (const rule of KNOWN_FALSE_POSITIVES) {
    const match = `${m.location}: ${m.message}`.match(rule.pattern);
    if (match && rule.holds(resource, m, match)) return rule;
  }
  return undefined;
}

function usage(message) {
  process.stderr.write(`validate.mjs: ${message}\n` +
    'usage: node validate.mjs --version R4|R5 --definitions PATH [--definitions PATH ...] [--verbose] ' +
    'FILE.ndjson ...\n');
  process.exit(2);
}

function parseArgs(argv) {
  const args = { version: null, definitions: [], files: [], verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--version') args.version = argv[++i];
    else if (arg === '--definitions') args.definitions.push(argv[++i]);
    else if (arg === '--verbose') args.verbose = true;
    else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else args.files.push(arg);
  }
  if (!['R4', 'R5'].includes(args.version)) usage('--version must be R4 or R5');
  if (args.definitions.length === 0 || args.files.length === 0) usage('needs --definitions and NDJSON files');
  for (const p of [...args.definitions, ...args.files]) {
    if (!fs.existsSync(p)) usage(`${p}: no such file or directory`);
  }
  return args;
}

const canonical = (url) => (url || '').split('|')[0];

/** CodeSystems, ValueSets and StructureDefinitions of the given paths, each url once (the first path wins). */
function readDefinitions(paths) {
  const found = { CodeSystem: new Map(), ValueSet: new Map(), StructureDefinition: new Map() };
  for (const p of paths) {
    const files = fs.statSync(p).isDirectory()
      ? fs.readdirSync(p).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(p, f))
      : [p];
    for (const file of files) {
      let resource;
      try {
        resource = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        continue; // not a FHIR resource (package.json, .index.json are JSON and simply skipped below)
      }
      const bucket = found[resource && resource.resourceType];
      if (!bucket || !resource.url) continue;
      const earlier = bucket.get(resource.url);
      // a code system both packages carry: keep the first, unless it is only a stub without its concepts
      const stub = earlier && resource.resourceType === 'CodeSystem' && !(earlier.concept || []).length;
      if (!earlier || (stub && (resource.concept || []).length)) bucket.set(resource.url, resource);
    }
  }
  return found;
}

/** Value sets ordered so each comes after the value sets it includes (FHIR.js expands an include only from a
 * value set it has already parsed; its own ordering expects include.valueSet to be a string, R4 makes it a list). */
function dependencyOrder(valueSets) {
  const ordered = [];
  const seen = new Set();
  const visit = (url) => {
    const vs = valueSets.get(url);
    if (!vs || seen.has(url)) return;
    seen.add(url);
    for (const include of (vs.compose && vs.compose.include) || []) {
      for (const nested of [].concat(include.valueSet || [])) visit(canonical(nested));
    }
    ordered.push(vs);
  };
  for (const url of valueSets.keys()) visit(url);
  return ordered;
}

/** A snapshot for a differential-only profile of ours: the base snapshot with each differential element's
 * cardinality, types and binding laid over the element of the same id (slices are left out: FHIR.js skips them).
 * A reference narrowed to a profile of ours keeps the profile's type as its target: FHIR.js compares the
 * last segment of a target profile url with the referenced resource type, it cannot check a target's profile. */
function withSnapshot(profile, structures) {
  const base = structures.get(canonical(profile.baseDefinition));
  if (!base || !base.snapshot) throw new Error(`base ${profile.baseDefinition} of ${profile.url} is not loaded`);
  const targetType = (url) => {
    const target = structures.get(canonical(url));
    return target && target.derivation === 'constraint' ? CORE + target.type : url;
  };
  const diff = new Map(profile.differential.element.map((e) => [e.id, e]));
  const element = base.snapshot.element.map((e) => {
    const d = diff.get(e.id);
    if (!d) return e;
    const merged = { ...e };
    for (const key of ['min', 'max', 'binding']) if (key in d) merged[key] = d[key];
    if (d.type) {
      merged.type = d.type.map((t) => (t.targetProfile ? { ...t, targetProfile: t.targetProfile.map(targetType) } : t));
    }
    return merged;
  });
  return { ...profile, snapshot: { element } };
}

function load(paths) {
  const { CodeSystem, ValueSet, StructureDefinition } = readDefinitions(paths);
  // FHIR.js 4.12 reads element.binding.valueSet only when its version flag is R4 (with R5 it drops every
  // binding); R5 bindings have the same shape, so R5 definitions are parsed with the R4 flag.
  const parser = new ParseConformance(false, Versions.R4);
  for (const cs of CodeSystem.values()) {
    // FHIR.js's loadCodeSystem also treats two systems with the same id as one: urls are unique here already
    parser.codeSystems.push(cs);
  }
  for (const vs of dependencyOrder(ValueSet)) parser.parseValueSet(vs);

  const byUrl = new Map();
  const failed = [];
  const parse = (sd, key) => {
    try {
      parser.parseStructureDefinition({ ...sd, id: key });
      byUrl.set(sd.url, parser.parsedStructureDefinitions[key]);
    } catch (e) {
      failed.push(`${sd.url}: ${e.message || e}`);
    }
  };
  const kinds = ['resource', 'complex-type', 'primitive-type'];
  const structures = [...StructureDefinition.values()].filter((sd) => kinds.includes(sd.kind));
  // base types first, under their type name (that is how FHIR.js finds them), then the profiles under their url
  for (const sd of structures) if (sd.derivation !== 'constraint') parse(sd, sd.type);
  for (const sd of structures) {
    if (sd.derivation !== 'constraint') continue;
    let complete = sd;
    if (!sd.snapshot) {
      try {
        complete = withSnapshot(sd, StructureDefinition);
      } catch (e) {
        failed.push(`${sd.url}: ${e.message}`);
        continue;
      }
    }
    parse(complete, sd.url);
  }
  return {
    parser, byUrl, failed,
    counts: `${CodeSystem.size} CodeSystems, ${ValueSet.size} ValueSets ` +
      `(${Object.keys(parser.parsedValueSets).length} with codes), ` +
      `${StructureDefinition.size} StructureDefinitions (${byUrl.size} parsed)`,
  };
}

/** [location, extension] for every extension and modifierExtension in a resource. */
function extensionsOf(node, where, out = []) {
  if (Array.isArray(node)) {
    node.forEach((item, i) => extensionsOf(item, `${where}[${i}]`, out));
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'extension' || key === 'modifierExtension') && Array.isArray(value)) {
        value.forEach((ext, i) => out.push([`${where}.${key}[${i}]`, ext]));
      }
      extensionsOf(value, `${where}.${key}`, out);
    }
  }
  return out;
}

/** FHIR.js's messages for `obj` (the resource, or an extension in it at location `tree`) against a parsed
 * definition other than its type's. */
function validateWith(parser, properties, obj, tree, resourceId) {
  const validator = new Validator(parser, OPTIONS, resourceId, false, obj);
  validator.validateProperties(obj, properties, [tree]);
  return validator.response.messages;
}

/** Every message about one resource: the core pass, then what its profiles and extension definitions add;
 * known false positives are taken out and counted in `filtered` (rule id -> count). */
function check(defs, resource, filtered) {
  const messages = [];
  const seen = new Set();
  const add = (more, label) => {
    for (const m of more) {
      const key = `${m.resourceId}|${m.location}|${m.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const rule = knownFalsePositive(resource, m);
      if (rule) filtered.set(rule.id, (filtered.get(rule.id) || 0) + 1);
      else messages.push(label ? { ...m, message: `${m.message} (${label})` } : m);
    }
  };
  add(new Validator(defs.parser, OPTIONS).validate(resource).messages);
  for (const url of (resource.meta && resource.meta.profile) || []) {
    const profile = defs.byUrl.get(canonical(url));
    if (!profile) {
      messages.push({ severity: 'error', location: `${resource.resourceType}.meta.profile`,
        message: `claims ${url}, which is not among the loaded definitions` });
    } else {
      const more = validateWith(defs.parser, profile._properties, resource, resource.resourceType, resource.id);
      add(more, `profile ${url}`);
    }
  }
  for (const [where, ext] of extensionsOf(resource, resource.resourceType)) {
    const definition = ext && defs.byUrl.get(canonical(ext.url));
    if (!definition) {
      messages.push({ severity: 'warning', location: where,
        message: `extension ${ext && ext.url} is not among the loaded definitions` });
    } else {
      add(validateWith(defs.parser, definition._properties, ext, where, resource.id), `extension ${ext.url}`);
    }
  }
  return messages;
}

/** Messages reduced to a pattern (array indexes and quoted values out), to summarise thousands in a few lines. */
const patternOf = (type, m) =>
  `${type} ${m.severity} ${m.location.replace(/\[\d+\]/g, '[]')}: ${m.message.replace(/"[^"]*"/g, '"…"')}`;

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const defs = load(args.definitions);
  process.stderr.write(`fhirjs: ${args.version}: loaded ${defs.counts} in ${Date.now() - started} ms\n`);
  for (const f of defs.failed) process.stderr.write(`fhirjs: not parsed by FHIR.js: ${f}\n`);

  let resources = 0;
  let errors = 0;
  let warnings = 0;
  const filtered = new Map();
  const errorPatterns = new Map();
  const warningPatterns = new Map();
  for (const file of args.files) {
    const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      let resource;
      try {
        resource = JSON.parse(line);
      } catch (e) {
        errors++;
        console.log(`${file}:${n}: not JSON: ${e.message}`);
        continue;
      }
      resources++;
      for (const m of check(defs, resource, filtered)) {
        const contained = m.resourceId && m.resourceId !== resource.id ? ` #${m.resourceId}` : '';
        const label = `${resource.resourceType}/${resource.id}${contained}`;
        if (m.severity === 'error' || m.severity === 'fatal') {
          errors++;
          const key = patternOf(resource.resourceType, m);
          errorPatterns.set(key, (errorPatterns.get(key) || 0) + 1);
          if (errors <= PRINTED_ERRORS || args.verbose) {
            console.log(`${file}:${n}: ${label}: ${m.location}: ${m.message}`);
          }
        } else if (m.severity === 'warning') {
          warnings++;
          const key = patternOf(resource.resourceType, m);
          warningPatterns.set(key, (warningPatterns.get(key) || 0) + 1);
          if (args.verbose) console.log(`${file}:${n}: ${label}: warning: ${m.location}: ${m.message}`);
        }
      }
    }
  }
  const summary = (title, patterns) => {
    if (patterns.size === 0) return;
    console.log(`${title} by pattern:`);
    for (const [key, count] of [...patterns].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${String(count).padStart(7)}  ${key}`);
    }
  };
  if (errors > PRINTED_ERRORS && !args.verbose) console.log(`(${errors - PRINTED_ERRORS} more errors not printed)`);
  summary('errors', errorPatterns);
  summary('warnings', warningPatterns);
  for (const [id, count] of filtered) {
    console.log(`fhirjs: ${args.version}: filtered ${count} known FHIR.js false positives ${id}`);
  }
  console.log(`fhirjs: ${args.version}: ${resources} resources, ${errors} errors, ${warnings} warnings`);
  process.exitCode = errors ? 1 : 0;
}

await main();
