import { killKafkaNode, startKafkaNode } from './kafka.ts';
import { consoleReporter } from './proc.ts';
import { defaultScale, type ServiceName, serviceNames } from './services.ts';
import { formatTable, stackStatus, startStack, stopStack, wipeStack } from './stack.ts';
import { kafka } from './topology.ts';

const usage = `usage: pnpm stack <command>
  start [--scale payment=3 ...] [--infra-only]
                   bring up Kafka x3, PostgreSQL, stripe-mock, Mailpit and the services
                   (order-api, inventory, payment, email); reuses what is healthy
  stop             stop everything start started
  status           what runs where (ports, URLs, log files)
  wipe             stop, then delete all local data (.data/): a fresh cluster and empty databases
  kill-broker <n>  SIGKILL Kafka node n (1-3), as a crash would
  start-broker <n> start Kafka node n again`;

async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
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
      }
      await startStack(consoleReporter, { scale, services: !argv.includes('--infra-only') });
      console.log(`\n${formatTable(await stackStatus())}\n\nStop it all with: pnpm stop`);
      return 0;
    }
    case 'stop':
      await stopStack();
      return 0;
    case 'status': {
      const rows = await stackStatus();
      console.log(formatTable(rows));
      return rows.every((r) => r.status === 'up') ? 0 : 1;
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
