import { DockerCommandError, DockerNotFoundError, dockerArgv, dockerEnv, formatCommand, runCommand } from './docker-cli';

// A real child process stands in for docker: node itself (process.execPath), so no engine is needed here.
const node = (script: string) => [process.execPath, '-e', script];

describe('runCommand', () => {
  it('passes the exit code through and keeps stdout, stderr and their tail', async () => {
    const result = await runCommand(node("console.log('out'); console.error('boom'); process.exit(17)"), { mode: 'capture' });
    expect(result.exitCode).toBe(17);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('boom\n');
    expect(result.tail).toContain('boom');
  });

  it('keeps only the last 40 lines in the tail', async () => {
    const result = await runCommand(node('for (let i = 1; i <= 100; i++) console.log(`line ${i}`)'), { mode: 'capture' });
    const lines = result.tail.split('\n');
    expect(lines).toHaveLength(40);
    expect(lines[0]).toBe('line 61');
    expect(lines.at(-1)).toBe('line 100');
  });

  it('passes arguments without a shell: metacharacters arrive verbatim', async () => {
    const tricky = '$(touch /tmp/pwned); `id` && echo "x" | cat';
    const result = await runCommand([process.execPath, '-e', 'process.stdout.write(process.argv[1])', tricky], { mode: 'capture' });
    expect(result.stdout).toBe(tricky);
  });

  it('forwards SIGINT to the child and reports the run as interrupted', async () => {
    const run = runCommand(
      node("process.on('SIGINT', () => { console.log('got SIGINT'); process.exit(3); }); console.log('ready'); setInterval(() => {}, 1000);"),
      {
        mode: 'capture',
        onSpawn: (child) => child.stdout?.once('data', () => process.emit('SIGINT', 'SIGINT')),
      },
    );
    const result = await run;
    expect(result.interrupted).toBe(true);
    expect(result.stdout).toContain('got SIGINT');
    expect(result.exitCode).toBe(3);
  });

  it('shares one SIGINT/SIGTERM listener among many children and forwards to each (no MaxListenersExceededWarning)', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const children = 17;
    let ready = 0;
    let during: number[] = [];
    const script = node("process.on('SIGINT', () => process.exit(3)); console.log('ready'); setInterval(() => {}, 1000);");
    const runs = Array.from({ length: children }, () =>
      runCommand(script, {
        mode: 'capture',
        onSpawn: (child) =>
          child.stdout?.once('data', () => {
            if (++ready < children) return;
            during = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
            process.emit('SIGINT', 'SIGINT');
          }),
      }),
    );
    const results = await Promise.all(runs);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(during).toEqual([before[0] + 1, before[1] + 1]);
    expect(results.map((result) => [result.interrupted, result.exitCode])).toEqual(Array.from({ length: children }, () => [true, 3]));
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });

  it('reports a child killed by a signal as 128 + signal number', async () => {
    const result = await runCommand(node("process.kill(process.pid, 'SIGTERM')"), { mode: 'capture' });
    expect(result.signal).toBe('SIGTERM');
    expect(result.exitCode).toBe(143);
  });

  it('feeds input to stdin', async () => {
    const result = await runCommand(node('process.stdin.pipe(process.stdout)'), { mode: 'capture', input: 'hello' });
    expect(result.stdout).toBe('hello');
  });

  it('says plainly when the program does not exist', async () => {
    await expect(runCommand(['/nonexistent/docker', 'version'])).rejects.toThrow(DockerNotFoundError);
    await expect(runCommand(['/nonexistent/docker', 'version'])).rejects.toThrow('The docker CLI ("/nonexistent/docker") could not be run');
  });
});

describe('docker invocation', () => {
  it('puts --context before the command and DOCKER_HOST into the environment', () => {
    expect(dockerArgv({ context: 'remote' }, ['ps'])).toEqual(['docker', '--context', 'remote', 'ps']);
    expect(dockerArgv({}, ['ps'])).toEqual(['docker', 'ps']);
    expect(dockerEnv({ host: 'ssh://me@box' }).DOCKER_HOST).toBe('ssh://me@box');
  });

  it('formats failures with the exit code, a pasteable command and the output tail', async () => {
    const result = await runCommand(node("console.error('no space left'); process.exit(2)"), { mode: 'capture' });
    const error = new DockerCommandError({ ...result, argv: ['docker', 'compose', 'build', 'my node'] }, 'docker compose build');
    expect(error.message).toBe("docker compose build failed with exit code 2: docker compose build 'my node'\nno space left");
  });

  it('quotes only what a shell would misread', () => {
    expect(formatCommand(['docker', 'exec', 'c1', 'bash', '-lc', "echo 'hi' $HOME"])).toBe("docker exec c1 bash -lc 'echo '\\''hi'\\'' $HOME'");
  });
});
