import { InvalidNodeOptionsError, KubeletNodeOptions, resolveNode, WorkspaceFacts } from './node-model';
import { GO_MINORS, KUBERNETES_MINORS } from './version-matrix';

const emptyWorkspace: WorkspaceFacts = { hasProject: () => false, directoryHasFiles: () => false };

function problemsOf(options: KubeletNodeOptions, workspace = emptyWorkspace): string[] {
  try {
    resolveNode(options, workspace);
  } catch (error) {
    if (error instanceof InvalidNodeOptionsError) return error.problems;
    throw error;
  }
  throw new Error('expected resolveNode to throw');
}

describe('resolveNode', () => {
  it('uses the reference system versions by default', () => {
    const model = resolveNode({ name: 'my-node' }, emptyWorkspace);
    expect(model).toMatchObject({
      name: 'my-node',
      directory: 'packages/my-node',
      hostname: 'my-node',
      examplePod: true,
      tags: [],
      kubernetes: { version: 'v1.34.11', minor: '1.34', goVersion: '1.24', pauseImage: 'registry.k8s.io/pause:3.10.1' },
      criDockerd: { version: 'v0.3.21', goVersion: '1.24' },
      kicbase: { version: 'v0.0.47', image: 'gcr.io/k8s-minikube/kicbase:v0.0.47' },
      compose: { project: 'my-node', service: 'my-node', volume: 'my-node-var', image: 'nx-kubelet-my-node:v1.34.11' },
      warnings: [],
    });
  });

  describe('--kubeVersion', () => {
    it.each([
      ['1.35', 'v1.35.8'],
      ['v1.35', 'v1.35.8'],
      ['1.35.2', 'v1.35.2'],
      ['v1.35.2', 'v1.35.2'],
      [' v1.36.0 ', 'v1.36.0'],
    ])('accepts %j as %s', (input, tag) => {
      expect(resolveNode({ name: 'n', kubeVersion: input }, emptyWorkspace).kubernetes.version).toBe(tag);
    });

    it.each(KUBERNETES_MINORS.map((minor) => [minor.minor, minor.go, minor.pauseTag]))('takes Go %s→%s and pause %s from the matrix', (minor, go, pause) => {
      const model = resolveNode({ name: 'n', kubeVersion: minor }, emptyWorkspace);
      expect(model.kubernetes.goVersion).toBe(go);
      expect(model.kubernetes.pauseImage).toBe(`registry.k8s.io/pause:${pause}`);
    });

    it.each([
      ['1.29', true, false],
      ['1.30', true, false],
      ['1.31', true, true],
      ['1.34', true, true],
      ['1.35', false, true],
      ['1.36', false, true],
    ])('for %s: --pod-infra-container-image on the kubelet %s, failCgroupV1 field %s', (minor, flag, field) => {
      const model = resolveNode({ name: 'n', kubeVersion: minor }, emptyWorkspace);
      expect(model.kubernetes.podInfraContainerImageFlag).toBe(flag);
      expect(model.kubernetes.failCgroupV1Field).toBe(field);
    });

    it.each(['1', 'latest', '1.x', 'v1.35.2.1', '1.35-rc.1'])('rejects the malformed %j with an example of the right form', (input) => {
      expect(problemsOf({ name: 'n', kubeVersion: input })).toEqual([
        `--kubeVersion "${input}" is not a Kubernetes version. Use a minor or a patch release: 1.35, v1.35 or v1.35.2.`,
      ]);
    });

    it('rejects a minor outside the matrix and lists the known ones', () => {
      const [problem] = problemsOf({ name: 'n', kubeVersion: '1.28' });
      expect(problem).toContain("Kubernetes 1.28 is not in nx-kubelet's version matrix");
      expect(problem).toContain('1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36');
      expect(problem).toContain('--allowUnknownVersions');
    });

    it('rejects a patch newer than the matrix knows, naming the known range', () => {
      expect(problemsOf({ name: 'n', kubeVersion: 'v1.34.99' })[0]).toContain('known for 1.34: v1.34.0 to v1.34.11');
    });

    it.each(['1.34.99999999999999999', 'v1.99999999999999999.0', '9007199254740993.34.1'])(
      'refuses %s even with --allowUnknownVersions: each number must be exact (a safe integer)',
      (kubeVersion) => {
        expect(problemsOf({ name: 'n', kubeVersion, allowUnknownVersions: true })[0]).toContain(`--kubeVersion "${kubeVersion}" is not a Kubernetes version`);
      },
    );

    it('refuses a cri-dockerd or kicbase version whose numbers are not exact, even with --allowUnknownVersions', () => {
      expect(problemsOf({ name: 'n', criDockerdVersion: 'v0.3.99999999999999999', allowUnknownVersions: true })[0]).toContain('is not a cri-dockerd version');
      expect(problemsOf({ name: 'n', kicbaseVersion: 'v0.0.99999999999999999', allowUnknownVersions: true })[0]).toContain('is not a kicbase version');
    });

    it('goes ahead with a warning for an unknown version when --allowUnknownVersions is set', () => {
      const model = resolveNode({ name: 'n', kubeVersion: 'v1.38.0-rc.1', allowUnknownVersions: true }, emptyWorkspace);
      expect(model.kubernetes.version).toBe('v1.38.0-rc.1');
      expect(model.kubernetes.goVersion).toBe('1.26');
      expect(model.kubernetes.podInfraContainerImageFlag).toBe(false);
      expect(model.warnings).toEqual([expect.stringContaining('facts of Kubernetes 1.37')]);
    });
  });

  describe('--criDockerdVersion', () => {
    it.each([
      ['0.3.21', 'v0.3.21', '1.24'],
      ['v0.4.3', 'v0.4.3', '1.25'],
      ['0.3', 'v0.3.25', '1.24'],
      ['0.4', 'v0.4.3', '1.25'],
      ['v0.3.17', 'v0.3.17', '1.23'],
    ])('accepts %j as %s, built with Go %s', (input, tag, go) => {
      const model = resolveNode({ name: 'n', criDockerdVersion: input }, emptyWorkspace);
      expect(model.criDockerd).toMatchObject({ version: tag, goVersion: go });
    });

    it('rejects a release outside the matrix and lists the known ones', () => {
      const [problem] = problemsOf({ name: 'n', criDockerdVersion: 'v0.2.6' });
      expect(problem).toContain("cri-dockerd v0.2.6 is not in nx-kubelet's version matrix (known: v0.3.10, ");
      expect(problem).toContain('v0.4.3)');
    });

    it('refuses a cri-dockerd too old for the Kubernetes minor, saying why and what to use', () => {
      expect(problemsOf({ name: 'n', kubeVersion: '1.31', criDockerdVersion: 'v0.3.15' })).toEqual([
        expect.stringMatching(
          /^cri-dockerd v0\.3\.15 is too old for Kubernetes 1\.31: v0\.3\.17 tells the kubelet Docker's cgroup driver .*v0\.3\.16 reports ImageFsInfo .*Use --criDockerdVersion=v0\.3\.17 or newer/,
        ),
      ]);
    });

    it('refuses it for Kubernetes 1.30 too (RuntimeConfig), but lets an existing node keep it with a warning', () => {
      expect(problemsOf({ name: 'n', kubeVersion: '1.30', criDockerdVersion: 'v0.3.15' })).toEqual([
        expect.stringContaining('cri-dockerd v0.3.15 is too old for Kubernetes 1.30'),
      ]);
      const existing = resolveNode({ name: 'n', kubeVersion: '1.30', criDockerdVersion: 'v0.3.15' }, emptyWorkspace, true);
      expect(existing.criDockerd.version).toBe('v0.3.15');
      expect(existing.warnings).toEqual([expect.stringContaining('cri-dockerd v0.3.15 is too old for Kubernetes 1.30')]);
    });

    it('still refuses an unknown cri-dockerd that is too old even with --allowUnknownVersions', () => {
      const problems = problemsOf({ name: 'n', kubeVersion: '1.34', criDockerdVersion: 'v0.3.11', allowUnknownVersions: true });
      expect(problems).toEqual([expect.stringContaining('cri-dockerd v0.3.11 is too old for Kubernetes 1.34')]);
    });
  });

  describe('kicbase with cri-dockerd', () => {
    it('refuses a cri-dockerd that cannot start on the kicbase release, naming both versions and why', () => {
      const problems = problemsOf({ name: 'n', kubeVersion: '1.34', kicbaseVersion: 'v0.0.50', criDockerdVersion: 'v0.3.15' });
      expect(problems).toContain(
        `cri-dockerd v0.3.15 cannot start on kicbase v0.0.50: kicbase v0.0.50's Docker 29.2.1 refuses Docker API below 1.44, and cri-dockerd v0.3.15 asks for 1.43 (its vendored Docker client), so it stops at start with "client version 1.43 is too old". Use --criDockerdVersion=v0.3.16 (0.3 line) or v0.4.0 (0.4 line) or newer with it, or another --kicbaseVersion.`,
      );
      // The Kubernetes minor's own minimum is a separate problem.
      expect(problems).toEqual([expect.stringContaining('is too old for Kubernetes 1.34'), expect.stringContaining('cannot start on kicbase v0.0.50')]);
    });

    it('refuses it on v0.0.49 too, and also with --allowUnknownVersions', () => {
      const problems = problemsOf({ name: 'n', kicbaseVersion: '0.0.49', criDockerdVersion: 'v0.3.12', allowUnknownVersions: true });
      expect(problems).toContainEqual(expect.stringMatching(/^cri-dockerd v0\.3\.12 cannot start on kicbase v0\.0\.49: .*refuses Docker API below 1\.44/));
    });

    it('lets an existing node keep it, with a warning', () => {
      const model = resolveNode({ name: 'n', kubeVersion: '1.34', kicbaseVersion: 'v0.0.50', criDockerdVersion: 'v0.3.15' }, emptyWorkspace, true);
      expect(model.warnings).toContainEqual(expect.stringContaining('cri-dockerd v0.3.15 cannot start on kicbase v0.0.50'));
    });

    it.each(['v0.3.17', 'v0.3.25', 'v0.4.0', 'v0.4.1', 'v0.4.3'])('accepts cri-dockerd %s on kicbase v0.0.50', (criDockerdVersion) => {
      const model = resolveNode({ name: 'n', kicbaseVersion: 'v0.0.50', criDockerdVersion }, emptyWorkspace);
      expect(model.kicbase.version).toBe('v0.0.50');
      expect(model.criDockerd.version).toBe(criDockerdVersion);
      expect(model.warnings).toEqual([]);
    });

    it('does not refuse the old cri-dockerd on a kicbase without the floor (only the minor does)', () => {
      expect(problemsOf({ name: 'n', kubeVersion: '1.34', kicbaseVersion: 'v0.0.47', criDockerdVersion: 'v0.3.15' })).toEqual([
        expect.stringContaining('is too old for Kubernetes 1.34'),
      ]);
    });
  });

  describe('--kicbaseVersion', () => {
    it('accepts a known release with or without the v', () => {
      expect(resolveNode({ name: 'n', kicbaseVersion: '0.0.49' }, emptyWorkspace).kicbase).toMatchObject({
        version: 'v0.0.49',
        baseOs: 'Debian 12 (bookworm)',
      });
    });

    it('rejects an unknown release unless --allowUnknownVersions', () => {
      expect(problemsOf({ name: 'n', kicbaseVersion: 'v0.0.51' })[0]).toContain("kicbase v0.0.51 is not in nx-kubelet's version matrix (known: v0.0.44");
      const model = resolveNode({ name: 'n', kicbaseVersion: 'v0.0.51', allowUnknownVersions: true }, emptyWorkspace);
      expect(model.kicbase.image).toBe('gcr.io/k8s-minikube/kicbase:v0.0.51');
      expect(model.warnings).toHaveLength(1);
    });

    it('rejects a malformed kicbase version', () => {
      expect(problemsOf({ name: 'n', kicbaseVersion: '0.0' })[0]).toBe('--kicbaseVersion "0.0" is not a kicbase version. Use a release such as v0.0.47.');
    });
  });

  describe('Go versions', () => {
    it('accepts a newer Go than the minimum, with or without a patch', () => {
      const model = resolveNode({ name: 'n', kubeGoVersion: '1.26', criDockerdGoVersion: 'go1.25.3' }, emptyWorkspace);
      expect(model.kubernetes.goVersion).toBe('1.26');
      expect(model.criDockerd.goVersion).toBe('1.25.3');
    });

    it('refuses a Go too old for the Kubernetes minor', () => {
      expect(problemsOf({ name: 'n', kubeVersion: '1.35', kubeGoVersion: '1.24' })).toEqual([
        '--kubeGoVersion 1.24 is too old for Kubernetes v1.35.8 (its go.mod requires Go 1.25). Use --kubeGoVersion=1.25 or newer.',
      ]);
    });

    it('compares patches when the user gives one: cri-dockerd v0.3.21 needs Go 1.24.9', () => {
      expect(problemsOf({ name: 'n', criDockerdGoVersion: '1.24.2' })).toEqual([
        '--criDockerdGoVersion 1.24.2 is too old for cri-dockerd v0.3.21 (its go.mod requires Go 1.24.9). Use --criDockerdGoVersion=1.24 or newer.',
      ]);
      expect(resolveNode({ name: 'n', criDockerdGoVersion: '1.24' }, emptyWorkspace).criDockerd.goVersion).toBe('1.24');
    });

    it('rejects a malformed Go version', () => {
      expect(problemsOf({ name: 'n', kubeGoVersion: 'latest' })[0]).toContain('--kubeGoVersion "latest" is not a Go version');
    });

    it('refuses a Go newer than the matrix knows unless --allowUnknownVersions, then warns', () => {
      expect(problemsOf({ name: 'n', kubeGoVersion: '1.99' })).toEqual([
        `--kubeGoVersion 1.99 is not a Go release nx-kubelet knows (known: ${GO_MINORS[0]} to ${GO_MINORS.at(-1)}). Choose a known one, or pass --allowUnknownVersions to go ahead anyway.`,
      ]);
      expect(problemsOf({ name: 'n', criDockerdGoVersion: '2.0.1' })[0]).toMatch(/--criDockerdGoVersion 2.0.1 is not a Go release nx-kubelet knows/);
      const model = resolveNode({ name: 'n', kubeGoVersion: '1.99', allowUnknownVersions: true }, emptyWorkspace);
      expect(model.kubernetes.goVersion).toBe('1.99');
      expect(model.warnings.join('\n')).toMatch(/Go 1.99 is not a Go release nx-kubelet knows.*--allowUnknownVersions/);
      expect(model.unknownVersions).toBe(true);
    });

    it('refuses a Go version whose numbers are not exact', () => {
      expect(problemsOf({ name: 'n', kubeGoVersion: '1.25.99999999999999999', allowUnknownVersions: true })[0]).toContain(
        '--kubeGoVersion "1.25.99999999999999999" is not a Go version',
      );
    });
  });

  describe('name, directory and hostname', () => {
    it.each(['My-Node', 'my_node', '1node', 'node-', '', 'a'.repeat(64)])('rejects the name %j', (name) => {
      expect(problemsOf({ name })[0]).toMatch(/^Invalid node name ".*": use 1 to 63 lowercase letters, digits and dashes/);
    });

    it('rejects a name that is already a project', () => {
      expect(problemsOf({ name: 'taken' }, { hasProject: (name: string) => name === 'taken', directoryHasFiles: () => false })).toEqual([
        'A project named "taken" already exists in this workspace. Choose another name.',
      ]);
    });

    it('rejects a directory that already has files', () => {
      const workspace = { hasProject: () => false, directoryHasFiles: (dir: string) => dir === 'nodes/n' };
      expect(problemsOf({ name: 'n', directory: 'nodes/n/' }, workspace)).toEqual([
        'The directory "nodes/n" already contains files. Choose a new or empty --directory.',
      ]);
    });

    it('names a few of the files of a directory that has them, and refuses one that resolves outside before looking in it', () => {
      const files = ['b.txt', 'a.txt', 'c/d.txt', 'e', 'f', 'g'];
      expect(problemsOf({ name: 'n' }, { hasProject: () => false, directoryHasFiles: () => files })).toEqual([
        'The directory "packages/n" already contains files (a.txt, b.txt, c/d.txt, e, f and 1 more). Choose a new or empty --directory.',
      ]);
      const outside = { hasProject: () => false, directoryHasFiles: () => files, resolvesOutside: () => '/elsewhere/n' };
      expect(problemsOf({ name: 'n' }, outside)).toEqual([
        'The directory "packages/n" resolves through a symbolic link to /elsewhere/n, outside the workspace. Choose a --directory whose folders stay inside it.',
      ]);
    });

    it.each(['../elsewhere', '/etc/n', 'packages/../../n', 'C:\\nodes\\n'])('rejects the directory %j as outside the workspace', (directory) => {
      expect(problemsOf({ name: 'n', directory })[0]).toContain(`--directory "${directory}" is outside the workspace.`);
    });

    it('rejects the workspace root as directory', () => {
      expect(problemsOf({ name: 'n', directory: '.' })[0]).toContain('is the workspace root');
    });

    it('normalizes a directory given with ./ and backslashes', () => {
      expect(resolveNode({ name: 'n', directory: '.\\nodes\\n' }, emptyWorkspace).directory).toBe('nodes/n');
    });

    it('accepts a hostname with several labels and refuses an invalid one', () => {
      expect(resolveNode({ name: 'n', hostname: 'node-1.lab' }, emptyWorkspace).hostname).toBe('node-1.lab');
      expect(problemsOf({ name: 'n', hostname: 'Node_1' })[0]).toContain('Invalid --hostname "Node_1"');
    });

    it('splits, trims and deduplicates tags', () => {
      expect(resolveNode({ name: 'n', tags: 'k8s, node ,k8s,' }, emptyWorkspace).tags).toEqual(['k8s', 'node']);
    });
  });

  it('names every wrongly typed option (a .projenrc or a programmatic caller passes any value), never a TypeError', () => {
    const options = { name: 'n', hostname: 0, directory: null, tags: [1], kubeVersion: NaN, examplePod: 'yes', cpus: {}, dockerHost: ['ssh://a'] };
    expect(problemsOf(options as never)).toEqual([
      '--directory must be a string, not null.',
      '--tags must be a string or a string list, not a list.',
      '--kubeVersion must be a string or a number, not a non-finite number NaN.',
      '--examplePod must be a boolean, not a string "yes".',
      '--hostname must be a string, not a number 0.',
      '--dockerHost must be a string, not a string list.',
      '--cpus must be a number or a string, not an object.',
    ]);
    expect(problemsOf({ name: 7 } as never)).toEqual(['--name must be a string, not a number 7.']);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ name: 'Bad', kubeVersion: '2.0', kicbaseVersion: 'x', directory: '../x' });
    expect(problems).toHaveLength(4);
  });
});
