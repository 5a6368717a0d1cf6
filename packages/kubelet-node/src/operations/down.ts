import { log } from './log';
import { DockerCommandError } from './docker-cli';
import { DockerConnectionOptions, NodeContext, runCompose } from './node-context';

export interface DownOptions extends DockerConnectionOptions {
  /** Also remove the node's /var volume (Docker images and kubelet state). @default false */
  volumes?: boolean;
  /** Seconds to wait for systemd to shut down before the container is killed. @default the compose file's stop_grace_period (30 s) */
  timeout?: number;
}

/** `down`: stops and removes the node's container and network (and with --volumes its /var). */
export async function down(node: NodeContext, options: DownOptions): Promise<boolean> {
  // Without --timeout, Compose gives the node its stop_grace_period: the node's dockerd needs up to 15 s of its own.
  const timeout = options.timeout === undefined ? [] : ['--timeout', String(options.timeout)];
  const args = ['down', '--remove-orphans', ...timeout, ...(options.volumes ? ['--volumes'] : [])];
  const result = await runCompose(node, args);
  if (result.exitCode !== 0) throw new DockerCommandError(result, 'docker compose down');
  if (!options.volumes) {
    log.info(
      `The node's /var volume is kept (its Docker images and kubelet state). After a rebuild on a new base image (a new kicbase), remove it: ${node.command('down', '--volumes')}`,
    );
  }
  return true;
}
