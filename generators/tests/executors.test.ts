/**
 * The executors through `nx run`, against a real Docker engine, with a node generated with binarySource=local.
 *
 * STAND-INS, said plainly: the node's bin/kubelet and bin/cri-dockerd are stand-in executables
 * (tools/images/stand-in-binaries: a kubelet that serves /healthz and /pods and logs to the journal, a cri-dockerd
 * that takes its socket from systemd), and the kicbase base image is a local stand-in (systemd + dockerd on Debian,
 * tools/images/build-stand-ins.sh), because this machine can neither pull images nor download Kubernetes.
 * Everything else is real: nx, the generated Dockerfile, units, kubelet.yaml and compose file, BuildKit, Compose v2,
 * systemd as PID 1 with socket activation, the executors, docker exec.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KICBASE_FLAG, KICBASE_STAND_IN, leftovers, nodeContainer, removeProject, requireEngine, STAND_IN_BINARIES } from './support/engine';
import { DEFAULT_VERSIONS } from 'kubelet-node';
import { run } from './support/validators';
import { copyWorkspace, nx, REPO_ROOT, removeWorkspace } from './support/workspace';

const suffix = process.pid.toString(36);
const node = `it-node-${suffix}`;
const stuck = `it-stuck-${suffix}`;
const broken = `it-broken-${suffix}`;
const open = `it-open-${suffix}`;
let workspace: string;

const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;

function generateLocalNode(name: string): string {
  const result = nx(workspace, ['g', 'nx-kubelet:kubelet-node', name, '--binarySource=local', KICBASE_FLAG]);
  expect(result.status).toBe(0);
  const dir = join(workspace, 'packages', name);
  for (const binary of ['kubelet', 'cri-dockerd']) copyFileSync(join(STAND_IN_BINARIES, binary), join(dir, 'bin', binary));
  return dir;
}

beforeAll(() => {
  requireEngine();
  workspace = copyWorkspace();
});

afterAll(() => {
  for (const project of [node, stuck, broken, open]) removeProject(project);
  removeWorkspace(workspace);
});

describe('a node with stand-in binaries, from build to down', () => {
  beforeAll(() => generateLocalNode(node));

  it('build: builds the image from the node files and the local binaries', () => {
    const result = nx(workspace, ['run', `${node}:build`]);
    expect(output(result)).toContain(`naming to docker.io/library/nx-kubelet-${node}:${DEFAULT_VERSIONS.kubernetes}`);
    // Only the stages BINARY_SOURCE=local needs: no Go builder (its golang image could not even be pulled here).
    expect(output(result)).toContain('binaries-local');
    expect(output(result)).not.toMatch(/golang:|cri-dockerd-source|kubelet-source|binaries-release/);
    expect(result.status).toBe(0);
    const binaries = run('docker', [
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      `nx-kubelet-${node}:${DEFAULT_VERSIONS.kubernetes}`,
      '-c',
      'head -c 200 /usr/bin/kubelet; ls -l /usr/bin/cri-dockerd /kubelet.yaml /etc/kubernetes/manifests/hello-world.yaml',
    ]);
    expect(binaries.stdout).toContain('STAND-IN for the kubelet');
    expect(binaries.status).toBe(0);
  });

  it('up: starts the node and waits until the kubelet answers /healthz, then lists the static pods', () => {
    const result = nx(workspace, ['run', `${node}:up`]);
    expect(output(result)).toMatch(/kubelet healthy after \d+ s/);
    expect(output(result)).toContain(`static pods  default/hello-world-${node}`);
    expect(output(result)).toContain(`node name    ${node}`);
    expect(result.status).toBe(0);
  });

  it('status: reports the container, every unit active, a healthy kubelet and its pods', () => {
    const result = nx(workspace, ['run', `${node}:status`]);
    const text = output(result);
    expect(text).toMatch(/container {4}\S+ \([0-9a-f]{12}\): running/);
    for (const unit of ['docker.service', 'cri-docker.socket', 'cri-docker.service', 'kubelet.service']) {
      expect(text).toMatch(new RegExp(`${unit.replace('.', '\\.')}\\s+active`));
    }
    expect(text).toContain('kubelet      healthy (/healthz: ok)');
    expect(text).toContain(`static pods  default/hello-world-${node} (read-only API :10255)`);
    expect(result.status).toBe(0);
  });

  it('status through --context and --dockerHost reaches the same engine; a context to nowhere fails clearly', () => {
    const context = `nx-kubelet-it-${suffix}`;
    expect(run('docker', ['context', 'create', context, '--docker', 'host=unix:///var/run/docker.sock']).status).toBe(0);
    try {
      expect(nx(workspace, ['run', `${node}:status`, `--context=${context}`]).status).toBe(0);
      expect(nx(workspace, ['run', `${node}:status`, '--dockerHost=unix:///var/run/docker.sock']).status).toBe(0);
      run('docker', ['context', 'update', context, '--docker', 'host=unix:///tmp/nx-kubelet-nowhere.sock']);
      const failing = nx(workspace, ['run', `${node}:status`, `--context=${context}`]);
      expect(output(failing)).toContain(`The Docker daemon is not reachable (docker context "${context}" at unix:///tmp/nx-kubelet-nowhere.sock)`);
      expect(failing.status).not.toBe(0);
    } finally {
      run('docker', ['context', 'rm', '--force', context]);
    }
  });

  it("logs: shows the kubelet journal, including the stand-in's own lines", () => {
    const result = nx(workspace, ['run', `${node}:logs`]);
    // The endpoint the generated kubelet.yaml names (the stand-in connects to what it is given).
    const endpoint = /^containerRuntimeEndpoint: (\S+)$/m.exec(readFileSync(join(workspace, 'packages', node, 'kubelet.yaml'), 'utf8'))?.[1];
    expect(endpoint).toMatch(/^unix:\/\/(\/var)?\/run\/cri-dockerd\.sock$/);
    expect(output(result)).toContain(`kubelet-stand-in: connected to the container runtime at ${endpoint}`);
    expect(output(result)).toContain('kubelet-stand-in: serving healthz on 127.0.0.1:10248');
    expect(result.status).toBe(0);
  });

  it('logs --unit=cri-docker: shows that systemd socket-activated cri-dockerd', () => {
    const result = nx(workspace, ['run', `${node}:logs`, '--unit=cri-docker']);
    expect(output(result)).toContain(
      'cri-dockerd-stand-in: started with --container-runtime-endpoint fd:// --network-plugin= --pod-infra-container-image=registry.k8s.io/pause:3.10.1',
    );
    expect(result.status).toBe(0);
  });

  it("logs --container --tail: the container's own console log (systemd booting); --since filters the journal", () => {
    const bootLog = nx(workspace, ['run', `${node}:logs`, '--container', '--tail=500']);
    expect(output(bootLog)).toMatch(/Reached target .*Multi-User System/);
    expect(bootLog.status).toBe(0);
    const since = nx(workspace, ['run', `${node}:logs`, '--since=1 hour ago', '--tail=5']);
    expect(output(since)).toContain('kubelet-stand-in:');
    expect(since.status).toBe(0);
  });

  it('shell --command: runs a command in the node through docker exec, and passes its exit code on', () => {
    const ok = nx(workspace, ['run', `${node}:shell`, '--command=systemctl is-active kubelet && cat /etc/hostname']);
    expect(output(ok)).toContain(`active\n${node}`);
    expect(ok.status).toBe(0);
    const failing = nx(workspace, ['run', `${node}:shell`, '--command=exit 5']);
    expect(failing.status).not.toBe(0);
  });

  it('logs --follow: Ctrl-C ends it promptly and leaves no journalctl running in the node', async () => {
    const nxBin = require.resolve('nx/bin/nx', { paths: [REPO_ROOT] });
    // A new process group, signalled as a whole: what a terminal does on Ctrl-C.
    const child = spawn(process.execPath, [nxBin, 'run', `${node}:logs`, '--follow'], {
      cwd: workspace,
      detached: true,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0' },
    });
    let seen = '';
    child.stdout.on('data', (chunk) => (seen += chunk));
    await waitFor(() => seen.includes('kubelet-stand-in: serving healthz'), 60_000);
    const container = nodeContainer(node);
    expect(run('docker', ['exec', container, 'pgrep', '-f', 'journalctl']).status).toBe(0);

    const interruptedAt = Date.now();
    process.kill(-child.pid!, 'SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(Date.now() - interruptedAt).toBeLessThan(10_000);
    expect([0, 130]).toContain(code);
    expect(seen).not.toContain('failed with exit code');
    await waitFor(() => run('docker', ['exec', container, 'pgrep', '-f', 'journalctl']).status === 1, 10_000);
  });

  it('down --volumes: removes the container, the /var volume and the network', () => {
    const result = nx(workspace, ['run', `${node}:down`, '--volumes']);
    expect(result.status).toBe(0);
    expect(leftovers(node)).toEqual({ containers: [], volumes: [], networks: [] });
  });

  it('status of a node that is down fails and says how to start it', () => {
    const result = nx(workspace, ['run', `${node}:status`]);
    expect(output(result)).toContain(`${node}: no container, on the default engine (start it: nx run ${node}:up)`);
    expect(result.status).not.toBe(0);
  });
});

describe('failure paths', () => {
  it('a daemon that does not answer: a clear error and a non-zero exit before anything runs', () => {
    const result = nx(workspace, ['run', 'example-node:up', '--dockerHost=unix:///tmp/nx-kubelet-no-daemon.sock']);
    expect(output(result)).toContain('The Docker daemon is not reachable (DOCKER_HOST=unix:///tmp/nx-kubelet-no-daemon.sock)');
    expect(output(result)).toContain('tools/docker-engine/start.sh');
    expect(result.status).not.toBe(0);
  });

  it('no docker CLI on PATH: says so and how to install it', () => {
    const result = nx(workspace, ['run', 'example-node:status'], { PATH: '/nonexistent' });
    expect(output(result)).toContain('The docker CLI ("docker") could not be run');
    expect(result.status).not.toBe(0);
  });

  it('no Compose: says how to install it (docker CLI without the compose plugin)', () => {
    // A docker whose daemon answers but that has no compose plugin, like the machine's own docker 28 client alone.
    const fakeBin = join(workspace, 'fake-bin');
    run('mkdir', ['-p', fakeBin]);
    writeFileSync(
      join(fakeBin, 'docker'),
      '#!/bin/sh\nif [ "$1" = version ]; then echo 26.1.5; exit 0; fi\nif [ "$1" = ps ]; then exit 0; fi\necho "docker: \'compose\' is not a docker command." >&2\nexit 1\n',
    );
    chmodSync(join(fakeBin, 'docker'), 0o755);
    // down runs Compose (status does not: it finds the container with docker ps) and looks for it beside its first
    // query; build runs `docker compose build` straight away and looks for Compose only when that fails for want of it.
    for (const target of ['down', 'build']) {
      const result = nx(workspace, ['run', `example-node:${target}`], { PATH: fakeBin });
      expect(output(result)).toContain('Docker Compose is missing');
      expect(result.status).not.toBe(0);
    }
  });

  it('BINARY_SOURCE=local with a binary missing: names it before docker builds anything', () => {
    const dir = generateLocalNode(broken);
    run('rm', [join(dir, 'bin', 'cri-dockerd')]);
    const result = nx(workspace, ['run', `${broken}:build`]);
    expect(output(result)).toContain(`BINARY_SOURCE=local, but packages/${broken}/bin/cri-dockerd is missing or not executable.`);
    expect(output(result)).not.toContain('[+] Building');
    expect(result.status).not.toBe(0);
  });

  it('up refuses a node whose unauthenticated kubelet would be published, before anything is built or started', () => {
    const dir = generateLocalNode(open);
    const composePath = join(dir, 'compose.yaml');
    // Published through Compose interpolation, with the variable in the folder's .env, as Compose would read it.
    writeFileSync(
      composePath,
      readFileSync(composePath, 'utf8').replace(`    hostname: ${open}\n`, `    hostname: ${open}\n    ports:\n      - "\${KUBELET_HOST_PORT:-10250}:10250"\n`),
    );
    writeFileSync(join(dir, '.env'), 'KUBELET_HOST_PORT=20250\n');
    const cli = join(REPO_ROOT, 'packages', 'kubelet-node', 'bin', 'kubelet-node.js');
    const refused = run(process.execPath, [cli, 'up', dir, '--timeout=60'], { cwd: workspace });
    expect(refused.status).toBe(1);
    expect(output(refused)).toMatch(new RegExp(`compose\\.yaml:\\d+: ports: 20250:10250 publishes the kubelet's API`));
    expect(output(refused)).toContain('--exposeUnauthenticatedKubelet');
    expect(leftovers(open)).toEqual({ containers: [], volumes: [], networks: [] });
    expect(run('docker', ['image', 'ls', '--quiet', `nx-kubelet-${open}`]).stdout.trim()).toBe('');
  });

  it('an unknown BINARY_SOURCE: named before BuildKit goes looking for an image on Docker Hub', () => {
    const result = nx(workspace, ['run', `${broken}:build`, '--buildArgs.BINARY_SOURCE=ftp']);
    expect(output(result)).toContain('BINARY_SOURCE="ftp" is not one of source, release, local');
    expect(result.status).not.toBe(0);
  });

  it("a failing build: the error carries docker compose build's own exit code and output", () => {
    const dir = join(workspace, 'packages', broken);
    copyFileSync(join(STAND_IN_BINARIES, 'cri-dockerd'), join(dir, 'bin', 'cri-dockerd'));
    const dockerfile = join(dir, 'Dockerfile.kicbase');
    writeFileSync(dockerfile, `${readFileSync(dockerfile, 'utf8')}RUN echo failing on purpose && exit 17\n`);
    const result = nx(workspace, ['run', `${broken}:build`]);
    expect(output(result)).toContain('docker compose build failed with exit code 17: docker compose --file compose.yaml --project-name');
    expect(output(result)).toContain('did not complete successfully: exit code: 17');
    expect(result.status).not.toBe(0);
  });

  it('up with a kubelet that never gets healthy: times out with the kubelet journal tail', () => {
    const dir = generateLocalNode(stuck);
    writeFileSync(join(dir, 'bin', 'kubelet'), '#!/bin/sh\necho "stand-in kubelet that never gets healthy"\nexec sleep infinity\n');
    const result = nx(workspace, ['run', `${stuck}:up`, '--build', '--timeout=25']);
    const text = output(result);
    expect(text).toContain(`the kubelet of ${stuck} did not become healthy within 25 s`);
    expect(text).toContain('stand-in kubelet that never gets healthy');
    expect(text).toContain(`nx run ${stuck}:down`);
    expect(result.status).not.toBe(0);
    expect(nx(workspace, ['run', `${stuck}:down`, '--volumes']).status).toBe(0);
    expect(leftovers(stuck)).toEqual({ containers: [], volumes: [], networks: [] });
  });
});

it('uses the local kicbase stand-in under its own name, never a pulled image, and no stand-in shadows the real one', () => {
  const labels = run('docker', ['image', 'inspect', '--format', '{{ index .Config.Labels "org.nx-kubelet.stand-in" }}', KICBASE_STAND_IN]);
  expect(labels.stdout.trim()).toMatch(/^[0-9a-f]{16}$/);
  expect(readFileSync(join(workspace, 'packages', node, 'Dockerfile.kicbase'), 'utf8')).toContain(`\nARG KICBASE_IMAGE=${KICBASE_STAND_IN}\n`);
  const real = run('docker', ['image', 'inspect', '--format', '{{ index .Config.Labels "org.nx-kubelet.stand-in" }}', 'gcr.io/k8s-minikube/kicbase:v0.0.47']);
  expect(real.status === 0 ? real.stdout.trim() : '').toBe('');
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
