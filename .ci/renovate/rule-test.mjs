// SPDX-License-Identifier: BSD-3-Clause

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
// A custom manager's own entry (customManagers) is layered after the
// manager defaults, as Renovate's extract worker does.
async function depConfig(packageFile, dep, manager = 'gomod', custom = {}) {
  const { migratedConfig } = migrateConfig(repoConfig);
  let config = mergeChildConfig(getConfig(), massageConfig(migratedConfig));
  config = mergeChildConfig(getManagerConfig(config, manager), { ...custom, manager });
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
// Either form go mod tidy writes: inside a require block, or on its own
// ("require tailscale.com v1.102.5", where tidy puts a direct dependency).
function pinnedLine(content, module) {
  const lines = content.split('\n');
  const words = (l) => l.trim().replace(/^require\s+/, '').split(/\s+/);
  const i = lines.findIndex((l) => words(l)[0] === module);
  assert.notEqual(i, -1, `no require line for ${module}`);
  return { index: i, line: lines[i], version: words(lines[i])[1] };
}

// Release lists around the pin, so that every test keeps proving something
// after each bump: the pin is vMAJOR.MINOR.PATCH with an even MINOR.
function around(version) {
  const m = /^v(\d+)\.(\d+)\.(\d+)$/.exec(version);
  assert.ok(m, `the pin ${version} is not a stable release`);
  const [maj, min, pat] = m.slice(1).map(Number);
  assert.equal(min % 2, 0, `the pin ${version} has an odd minor`);
  const v = (a, b, c, pre = '') => `v${a}.${b}.${c}${pre}`;
  return {
    older: v(maj, Math.max(min - 2, 0), 9),
    nextPatch: v(maj, min, pat + 1),
    oddMinor: v(maj, min + 1, 0),
    oddPatch: v(maj, min + 1, 2),
    nextEvenMinor: v(maj, min + 2, 0),
    preRelease: v(maj, min + 2, 1, '-pre'),
    laterEvenMinor: v(maj, min + 4, 3),
  };
}

const { extractPackageFile: extractRegex } = await load('modules/manager/custom/regex/index.js');

// The Dockerfile's TAILSCALE_VERSION default, through the custom regex
// manager renovate.json declares for it.
async function extractDockerfile() {
  const custom = repoConfig.customManagers?.find((m) => m.customType === 'regex' &&
    m.managerFilePatterns?.includes('/^Dockerfile$/'));
  assert.ok(custom, 'renovate.json has no regex manager for the Dockerfile');
  const content = readFileSync('Dockerfile', 'utf8');
  const res = extractRegex(content, 'Dockerfile', custom);
  assert.equal(res?.deps?.length, 1, 'the Dockerfile regex manager must find exactly one line');
  const dep = { ...res.deps[0], depName: res.deps[0].depName ?? custom.depNameTemplate,
    datasource: res.deps[0].datasource ?? custom.datasourceTemplate };
  normalizeDepNames(dep);
  return { content, dep, config: await depConfig('Dockerfile', dep, 'regex', custom) };
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
  const r = around(ts.dep.currentValue);
  for (const v of [ts.dep.currentValue, r.older, r.nextPatch, r.nextEvenMinor, r.laterEvenMinor,
    r.nextEvenMinor.slice(1)])
    assert.equal(allowed(v), true, `${v} must be allowed`);
  for (const v of [r.oddMinor, r.oddPatch, r.preRelease, `${r.nextPatch}-pre.1`, 'v2.0.0',
    ts.dep.currentValue.replace(/\.\d+$/, ''), `x${r.nextPatch}`])
    assert.equal(allowed(v), false, `${v} must be refused`);
});

test('the lookup filter offers exactly the newer stable even-minor releases', () => {
  const versioning = getVersioning(ts.config.versioning ?? getDefaultVersioning(ts.config.datasource));
  const r = around(ts.dep.currentValue);
  const releases = [r.older, ts.dep.currentValue, r.nextPatch, r.oddMinor, r.oddPatch, r.preRelease,
    r.nextEvenMinor].map((version) => ({ version }));
  const got = filterVersions(ts.config, ts.dep.currentValue, r.nextEvenMinor, releases, versioning)
    .map((x) => x.version);
  // written out, not derived with Renovate's own versioning: the filter is what is tested
  assert.deepEqual(got, [r.nextPatch, r.nextEvenMinor]);
});

test('an update rewrites exactly the pinned line', () => {
  const pin = pinnedLine(image.content, 'tailscale.com');
  const { nextEvenMinor } = around(pin.version);
  const upgrade = { ...ts.dep, ...ts.config, newValue: nextEvenMinor, updateType: 'minor' };
  const updated = updateDependency({ fileContent: image.content, upgrade });
  assert.ok(updated, 'Renovate refuses to update the line');
  const before = image.content.split('\n');
  const after = updated.split('\n');
  assert.equal(after.length, before.length);
  const changed = before.map((l, i) => (l === after[i] ? -1 : i)).filter((i) => i >= 0);
  assert.deepEqual(changed, [pin.index]);
  assert.equal(after[pin.index], pin.line.replace(pin.version, nextEvenMinor));
});

const dockerfile = await extractDockerfile();

test('the Dockerfile default is the go.mod pin, moved by the same rule in the same PR', () => {
  const pin = pinnedLine(image.content, 'tailscale.com');
  const d = dockerfile;
  assert.equal(d.dep.depName, 'tailscale.com');
  assert.equal(d.dep.datasource, 'go');
  assert.equal(d.dep.currentValue, pin.version, 'make dockerfile writes the pin as the default');
  assert.equal(isEnabled(d.config), true, 'the Dockerfile default must move with the pin');
  for (const k of ['allowedVersions', 'automerge', 'ignoreTests', 'platformAutomerge', 'groupName'])
    assert.deepEqual(d.config[k], ts.config[k], `${k} differs between image/go.mod and the Dockerfile`);
  assert.ok(ts.config.groupName, 'one groupName puts both files into one branch and PR');
});

test('the Dockerfile update replaces exactly the ARG line', () => {
  const d = dockerfile;
  const { nextEvenMinor } = around(d.dep.currentValue);
  assert.equal(d.content.split(d.dep.replaceString).length, 2, 'the matched text occurs once');
  const after = d.content.replace(d.dep.replaceString,
    d.dep.replaceString.replace(d.dep.currentValue, nextEvenMinor)).split('\n');
  const before = d.content.split('\n');
  const changed = before.map((l, i) => (l === after[i] ? -1 : i)).filter((i) => i >= 0);
  assert.equal(changed.length, 1);
  assert.equal(after[changed[0]], `ARG TAILSCALE_VERSION=${nextEvenMinor}`);
});
