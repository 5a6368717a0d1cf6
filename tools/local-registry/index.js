// A local npm registry for end-to-end tests: verdaccio 6.8 (the last release for Node 20) with its storage in a
// temporary folder, this repository's packages served only from what the test publishes (never proxied, so a test can't pick up a
// package from the public registry), everything else proxied to the registry npm is configured with.
// Usage from tests: const registry = await startLocalRegistry(); await registry.publish(tgz); …; await registry.stop();
// Usage from a shell: node tools/local-registry/index.js [tarball ...]   (Ctrl-C stops it and removes its storage)
const { execFileSync, spawn } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
// This repository's packages: never proxied, only what a test publishes.
const PACKAGE_DIRS = { 'kubelet-node': 'packages/kubelet-node', 'nx-kubelet': 'generators', 'projen-kubelet': 'packages/projen-kubelet' };

async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function upstreamRegistry() {
  try {
    return execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim() || 'https://registry.npmjs.org/';
  } catch {
    return 'https://registry.npmjs.org/';
  }
}

/** Starts verdaccio; resolves once it answers HTTP. */
async function startLocalRegistry({ own = Object.keys(PACKAGE_DIRS) } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nx-kubelet-registry-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const ownPackages = own.map((name) => `  '${name}':\n    access: $all\n    publish: $anonymous\n    unpublish: $anonymous\n`).join('');
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      `storage: ${join(dir, 'storage')}`,
      'uplinks:',
      '  upstream:',
      `    url: ${upstreamRegistry()}`,
      '    timeout: 60s',
      '    maxage: 30m',
      'packages:',
      ownPackages.trimEnd(),
      "  '@*/*':",
      '    access: $all',
      '    proxy: upstream',
      "  '**':",
      '    access: $all',
      '    proxy: upstream',
      'publish:',
      '  allow_offline: true',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const child = spawn(
    process.execPath,
    [require.resolve('verdaccio/bin/verdaccio', { paths: [root] }), '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}):\n${log}`);
    try {
      const response = await fetch(`${url}/-/ping`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`verdaccio did not answer on ${url} within 60 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  /** npm environment that points at this registry (publish auth included, nothing written to ~/.npmrc). */
  const npmEnv = {
    npm_config_registry: `${url}/`,
    [`npm_config_//127.0.0.1:${port}/:_authToken`]: 'e2e-anonymous',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  return {
    url,
    npmEnv,
    log: () => log,
    /** Publishes a package tarball (npm pack output). */
    publish(tarball) {
      execFileSync('npm', ['publish', tarball, '--registry', `${url}/`], { env: { ...process.env, ...npmEnv }, stdio: 'pipe' });
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Packs one of this repository's packages (after `npm run build`) into `destination`; returns the tarball path. */
function packPackage(name, destination) {
  const output = execFileSync('npm', ['pack', '--pack-destination', destination, '--json'], {
    cwd: join(root, PACKAGE_DIRS[name]),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return join(destination, JSON.parse(output)[0].filename);
}

/** Packs the Nx plugin and what it depends on (kubelet-node); returns the tarball paths. */
function packPlugin(destination) {
  return ['kubelet-node', 'nx-kubelet'].map((name) => packPackage(name, destination));
}

module.exports = { startLocalRegistry, packPlugin, packPackage, PACKAGE_DIRS };

if (require.main === module) {
  startLocalRegistry().then((registry) => {
    for (const tarball of process.argv.slice(2)) registry.publish(tarball);
    console.log(`local registry on ${registry.url} (Ctrl-C stops it); use: npm_config_registry=${registry.url}/`);
    const stop = () => registry.stop().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
