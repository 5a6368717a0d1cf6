import { hint, parseCommandLine, usage } from './cli';

describe('kubelet-node CLI arguments', () => {
  it('converts values to the types of the operation schema', () => {
    expect(
      parseCommandLine(['up', 'nodes/a', '--timeout=60', '--no-wait', '--build', '--buildArgs.KUBE_VERSION_GO=1.25', '--platform', 'linux/arm64']),
    ).toEqual({
      operation: 'up',
      dir: 'nodes/a',
      name: 'a',
      options: { timeout: 60, wait: false, build: true, buildArgs: { KUBE_VERSION_GO: '1.25' }, platform: 'linux/arm64' },
    });
  });

  it('reads a flag-or-string option as a flag when bare and as a string with =', () => {
    expect(parseCommandLine(['logs', '--container', 'nodes/a']).options).toEqual({ container: true });
    expect(parseCommandLine(['logs', 'nodes/a', '--pod=web', '--container=httpd']).options).toEqual({ pod: 'web', container: 'httpd' });
  });

  it('takes the node name from --name, else from the folder', () => {
    expect(parseCommandLine(['status', './x/edge-7/']).name).toBe('edge-7');
    expect(parseCommandLine(['status', 'x/edge-7', '--name=site-a']).name).toBe('site-a');
  });

  it('keeps unknown options to be refused by name, and an unknown one takes no value from the next word', () => {
    expect(parseCommandLine(['up', 'n', '--timout=5']).options).toEqual({ timout: '5' });
    expect(parseCommandLine(['up', '--buld', 'nodes/a'])).toMatchObject({ dir: 'nodes/a', options: { buld: true } });
  });

  it("takes the schema's one-letter aliases", () => {
    expect(parseCommandLine(['logs', 'n', '-f', '-n', '20']).options).toEqual({ follow: true, tail: 20 });
    expect(() => parseCommandLine(['logs', 'n', '-x'])).toThrow('-x is not an option of logs.');
  });

  it.each([
    [['launch', 'n'], /"launch" is not an operation: use build, up, down, /],
    [['up'], /which node\? Give its folder/],
    [['up', 'a', 'b'], /one node folder, not "a", "b"/],
    [['up', 'a', '--timeout=soon'], /--timeout is a number, not "soon"/],
    [['up', 'a', '--wait=maybe'], /--wait is true or false, not "maybe"/],
    [['logs', 'a', '--since'], /--since needs a value/],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it("lists an operation's options with their descriptions and defaults", () => {
    expect(usage('down')).toMatch(/--volumes\s+Also remove/);
    expect(usage('up')).toContain('(default: 180)');
  });

  it("names the front-end's command in hints when one runs the CLI for its users", () => {
    expect(hint('up', undefined, 'nodes/a', undefined)).toBe('kubelet-node up nodes/a');
    expect(hint('down', '--volumes', 'nodes/a', 'npx projen a:{operation}')).toBe('npx projen a:down --volumes');
  });
});
