// Tests renovate.json's rules with Renovate's own code (the pinned version in
// package.json): its go.mod extractor, its packageRules engine, its version
// filter and its go.mod line updater, on this checkout's real go.mod files.
//
//   node .ci/renovate/rule-test.mjs NODE_MODULES_DIR   (from the top of the tree)
//
// Reaches into renovate/dist/: a Renovate bump that moves these modules
// fails here loudly, which is the point (the rules must be re-proven).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const modules = process.argv[2];
if (!modules) {
  console.error('usage: node rule-test.mjs NODE_MODULES_DIR');
  process.exit(2);
}
const dist = join(resolve(modules), 'renovate', 'dist');
const load = (path) => import(pathToFileURL(join(dist, path)).href);

const { init: initLogger } = await load('logger/index.js');
await initLogger();
const { extractPackageFile } = await load('modules/manager/gomod/extract.js');
const { normalizeDepNames } = await load('workers/repository/extract/manager-files.js');
const { updateDependency } = await load('modules/manager/gomod/update.js');
const { applyPackageRules } = await load('util/package-rules/index.js');
const { filterVersions } = await load('workers/repository/process/lookup/filter.js');
const { getRegexPredicate } = await load('util/string-match.js');
const { getDefaultVersioning } = await load('modules/datasource/common.js');
const { get: getVersioning } = await load('modules/versioning/index.js');
const { getConfig } = await load('config/defaults.js');
const { getManagerConfig, mergeChildConfig } = await load('config/index.js');
const { migrateConfig } = await load('config/migration.js');
const { massageConfig } = await load('config/massage.js');

const repoConfig = JSON.parse(readFileSync('renovate.json', 'utf8'));

// The config one dependency ends up with before lookup, built the way
// Renovate's repository worker layers it: defaults, repo config, manager
// defaults, package file, the extracted dependency, then packageRules.
async function depConfig(packageFile, dep) {
  const { migratedConfig } = migrateConfig(repoConfig);
  let config = mergeChildConfig(getConfig(), massageConfig(migratedConfig));
  config = getManagerConfig(config, 'gomod');
  config = mergeChildConfig(config, { packageFile });
  config = mergeChildConfig(config, dep);
  return applyPackageRules(config, 'pre-lookup');
}

async function extract(packageFile) {
  const content = readFileSync(packageFile, 'utf8');
  const res = extractPackageFile(content, packageFile, {});
  assert.ok(res?.deps?.length, `Renovate extracts no dependency from ${packageFile}`);
  const deps = [];
  for (const dep of res.deps) {
    normalizeDepNames(dep);
    deps.push({ dep, config: await depConfig(packageFile, dep) });
  }
  return { content, deps };
}

const isEnabled = (c) => c.enabled !== false && !c.skipReason;

// The pinned version, read the way image/build.sh's go list does not need to:
// the require line itself.
function pinnedLine(content, module) {
  const lines = content.split('\n');
  const i = lines.findIndex((l) => l.trim().split(/\s+/)[0] === module);
  assert.notEqual(i, -1, `no require line for ${module}`);
  return { index: i, line: lines[i], version: lines[i].trim().split(/\s+/)[1] };
}

const image = await extract('image/go.mod');
const lab = await extract('lab/headscale/go.mod');
const ts = image.deps.find((d) => d.dep.depName === 'tailscale.com');

test('the extractor finds the pinned tailscale.com line in image/go.mod', () => {
  assert.ok(ts, 'Renovate does not see tailscale.com in image/go.mod');
  const pin = pinnedLine(image.content, 'tailscale.com');
  assert.equal(ts.dep.managerData.lineNumber, pin.index);
  assert.equal(ts.dep.currentValue, pin.version);
  assert.match(pin.version, /^v1\.\d+\.\d+$/);
});

test('in image/go.mod only tailscale.com is enabled, and it automerges', () => {
  const enabled = image.deps.filter((d) => isEnabled(d.config)).map((d) => d.dep.depName);
  assert.deepEqual(enabled, ['tailscale.com']);
  assert.equal(ts.config.automerge, true);
  assert.equal(ts.config.ignoreTests, false, 'automerge must wait for the status checks');
  assert.equal(ts.config.platformAutomerge, false, 'Renovate itself must see the checks green');
  assert.deepEqual(ts.config.postUpdateOptions, ['gomodTidy'], 'go.sum must follow the bump');
});

test('in lab/headscale/go.mod only headscale is enabled, and it never automerges', () => {
  const enabled = lab.deps.filter((d) => isEnabled(d.config));
  assert.deepEqual(enabled.map((d) => d.dep.depName), ['github.com/juanfont/headscale']);
  assert.notEqual(enabled[0].config.automerge, true);
});

test('allowedVersions takes stable even-minor releases only', () => {
  const allowed = getRegexPredicate(ts.config.allowedVersions);
  assert.ok(allowed, `allowedVersions ${ts.config.allowedVersions} is not a regex`);
  for (const v of ['v1.98.5', 'v1.100.0', 'v1.102.3', '1.104.0'])
    assert.equal(allowed(v), true, `${v} must be allowed`);
  for (const v of ['v1.99.1', 'v1.101.0', 'v1.98.5-pre', 'v1.100.0-pre.1', 'v2.0.0', 'v1.98', 'xv1.98.5'])
    assert.equal(allowed(v), false, `${v} must be refused`);
});

test('the lookup filter offers only newer stable even-minor releases', () => {
  const versioning = getVersioning(ts.config.versioning ?? getDefaultVersioning(ts.config.datasource));
  const releases = ['v1.98.5', 'v1.98.6', 'v1.99.1', 'v1.100.0', 'v1.100.1-pre', 'v1.101.0', 'v1.102.3']
    .map((version) => ({ version }));
  const got = filterVersions(ts.config, ts.dep.currentValue, 'v1.102.3', releases, versioning)
    .map((r) => r.version);
  const newer = ['v1.98.6', 'v1.100.0', 'v1.102.3'].filter((v) => versioning.isGreaterThan(v, ts.dep.currentValue));
  assert.deepEqual(got, newer);
});

test('an update rewrites exactly the pinned line', () => {
  const pin = pinnedLine(image.content, 'tailscale.com');
  const upgrade = { ...ts.dep, ...ts.config, newValue: 'v1.100.0', updateType: 'minor' };
  const updated = updateDependency({ fileContent: image.content, upgrade });
  assert.ok(updated, 'Renovate refuses to update the line');
  const before = image.content.split('\n');
  const after = updated.split('\n');
  assert.equal(after.length, before.length);
  const changed = before.map((l, i) => (l === after[i] ? -1 : i)).filter((i) => i >= 0);
  assert.deepEqual(changed, [pin.index]);
  assert.equal(after[pin.index], pin.line.replace(pin.version, 'v1.100.0'));
});
