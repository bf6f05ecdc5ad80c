import { kafka } from '@akaso/stack-client';
import { killPart, parsePart, partName, partNames, restartPart, startPart, stopPart } from './control.ts';
import { jaegerBuildState, jaegerUpNote, waitForJaegerBuild } from './jaeger-build.ts';
import { killKafkaNode, startKafkaNode } from './kafka.ts';
import { consoleReporter } from './proc.ts';
import { defaultScale, type ServiceName, serviceNames } from './services.ts';
import { formatTable, stackStatus, startStack, stopStack, wipeStack } from './stack.ts';

const usage = `usage: pnpm stack <command>
  start [--scale payment=3 ...] [--infra-only] [--kafka-security plaintext|sasl_ssl]
                   bring up Kafka x3, PostgreSQL, stripe-mock, Mailpit, Jaeger and the
                   services (order-api, inventory, payment, email); reuses what is healthy.
                   A first build of Jaeger runs in the background: the pipeline does not wait.
                   --kafka-security sasl_ssl: the services reach Kafka over SASL_SSL +
                   SCRAM-SHA-512 with the stack's CA (services already running are kept)
  stop             stop everything start started
  status           what runs where (ports, URLs, log files)
  wipe             stop, then delete all local data (.data/): a fresh cluster and empty databases
  kill-broker <n>  SIGKILL Kafka node n (1-3), as a crash would
  start-broker <n> start Kafka node n again

One part at a time (what the fault matrix and the workshop break and mend):
  stop <part>      stop it cleanly (PostgreSQL: pg_ctl stop -m fast; others: SIGTERM)
  start <part>     start it again and wait until it serves
  restart <part>   stop + start (PostgreSQL: like pg_ctl restart -m fast, back in about a second)
  kill <part>      SIGKILL a service instance or a broker, as a crash would
  parts: ${partNames().join(', ')}`;

/**
 * The pipeline is ready and Jaeger's first build still runs (in its own detached process). A
 * terminal keeps following it, to say when traces arrive and what the build took; Ctrl-C only
 * stops the following. Scripts (no terminal) get the prompt back at once.
 */
async function followJaegerBuild(): Promise<void> {
  if (!process.stdout.isTTY) {
    consoleReporter.step('jaeger: still building in the background; `pnpm status` shows when it is up');
    return;
  }
  consoleReporter.step(
    "the pipeline is ready: use it now. This terminal follows Jaeger's build; Ctrl-C leaves it building in the background",
  );
  process.once('SIGINT', () => {
    consoleReporter.step('jaeger: still building in the background; `pnpm status` shows when it is up');
    process.exit(0);
  });
  consoleReporter.done(jaegerUpNote(await waitForJaegerBuild(consoleReporter)));
}

async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  // `start postgres`, `stop mailpit`, `kill payment-1`…: one part; `start [--scale …]`: everything.
  if (
    arg !== undefined &&
    !arg.startsWith('--') &&
    ['start', 'stop', 'restart', 'kill'].includes(command ?? '')
  ) {
    const part = parsePart(arg);
    const name = partName(part);
    const started = Date.now();
    const took = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
    if (command === 'stop') {
      await stopPart(part);
      consoleReporter.done(`${name} stopped (${took()})`);
    } else if (command === 'start') {
      await startPart(part, consoleReporter);
      consoleReporter.done(`${name} up (${took()})`);
    } else if (command === 'restart') {
      await restartPart(part, consoleReporter);
      consoleReporter.done(`${name} restarted (${took()})`);
    } else {
      const pid = await killPart(part);
      consoleReporter.done(
        `${name} (pid ${pid}) killed with SIGKILL; start it again with: pnpm stack start ${name}`,
      );
    }
    return 0;
  }
  switch (command) {
    case 'start': {
      const scale = { ...defaultScale };
      for (let i = 1; i < argv.length; i++) {
        if (argv[i] === '--scale') {
          const [name, n] = (argv[++i] ?? '').split('=');
          if (!serviceNames.includes(name as ServiceName) || !(Number(n) >= 1 && Number(n) <= 16)) {
            throw new Error(
              `--scale expects <service>=<1..16> with service one of ${serviceNames.join(', ')}`,
            );
          }
          scale[name as ServiceName] = Number(n);
        }
        // Read by serviceEnv (services.ts) for every service this run starts.
        if (argv[i] === '--kafka-security') process.env.AKASO_KAFKA_SECURITY = argv[++i] ?? '';
      }
      await startStack(consoleReporter, {
        scale,
        services: !argv.includes('--infra-only'),
        jaeger: 'background',
      });
      console.log(`\n${formatTable(await stackStatus())}\n\nStop it all with: pnpm stop`);
      if (jaegerBuildState()?.running) await followJaegerBuild();
      return 0;
    }
    case 'stop':
      await stopStack();
      return 0;
    case 'status': {
      const rows = await stackStatus();
      console.log(formatTable(rows));
      // A first build of Jaeger is on its way, not a fault.
      return rows.every((r) => r.status === 'up' || r.status === 'building') ? 0 : 1;
    }
    case 'wipe':
      await stopStack();
      wipeStack();
      consoleReporter.done('local data deleted');
      return 0;
    case 'kill-broker': {
      const pid = killKafkaNode(Number(arg));
      consoleReporter.done(`kafka-${arg} (pid ${pid}) killed with SIGKILL`);
      return 0;
    }
    case 'start-broker': {
      const node = kafka.nodes.find((n) => n.id === Number(arg));
      if (!node) throw new Error(`no Kafka node ${arg}`);
      await startKafkaNode(node, consoleReporter);
      consoleReporter.done(`kafka-${arg} starting; it rejoins the ISR once it has caught up`);
      return 0;
    }
    default:
      console.error(usage);
      return command === undefined || command === 'help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    consoleReporter.warn(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
