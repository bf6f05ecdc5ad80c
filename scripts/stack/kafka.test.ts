import { controllerQuorumVoters, kafka } from '@akaso/stack-client';
import { describe, expect, it } from 'vitest';
import { parseKafkaProps, serverProperties } from './kafka.ts';

function parse(text: string): Map<string, string> {
  return new Map(
    text
      .trim()
      .split('\n')
      .map((line) => {
        const i = line.indexOf('=');
        return [line.slice(0, i), line.slice(i + 1)] as [string, string];
      }),
  );
}

describe('serverProperties', () => {
  const all = kafka.nodes.map((n) => parse(serverProperties(n)));

  it('makes every node a combined broker+controller with a distinct id and ports', () => {
    expect(all.map((p) => p.get('process.roles'))).toEqual([
      'broker,controller',
      'broker,controller',
      'broker,controller',
    ]);
    expect(new Set(all.map((p) => p.get('node.id'))).size).toBe(3);
    expect(new Set(all.map((p) => p.get('listeners'))).size).toBe(3);
    expect(new Set(all.map((p) => p.get('log.dirs'))).size).toBe(3);
  });

  it('gives all nodes the same quorum, listing every node once', () => {
    for (const p of all) expect(p.get('controller.quorum.voters')).toBe(controllerQuorumVoters);
    const voters = controllerQuorumVoters.split(',').map((v) => Number(v.split('@')[0]));
    expect(voters.sort()).toEqual(kafka.nodes.map((n) => n.id).sort());
  });

  it('carries the durability settings the design requires', () => {
    for (const p of all) {
      expect(p.get('auto.create.topics.enable')).toBe('false');
      expect(p.get('min.insync.replicas')).toBe('2');
      expect(p.get('default.replication.factor')).toBe('3');
      expect(p.get('offsets.topic.replication.factor')).toBe('3');
      expect(p.get('transaction.state.log.replication.factor')).toBe('3');
      expect(p.get('transaction.state.log.min.isr')).toBe('2');
    }
  });

  it('adds the secure profile without touching the pipeline: SCRAM on SECURE, ACLs, PLAINTEXT a super user', () => {
    kafka.nodes.forEach((node, i) => {
      const p = all[i] as Map<string, string>;
      expect(p.get('listeners')).toContain(`SECURE://127.0.0.1:${node.securePort}`);
      expect(p.get('advertised.listeners')).toContain(`SECURE://127.0.0.1:${node.securePort}`);
      expect(p.get('listener.security.protocol.map')).toContain('SECURE:SASL_PLAINTEXT');
      expect(p.get('listener.security.protocol.map')).toContain('PLAINTEXT:PLAINTEXT');
      expect(p.get('inter.broker.listener.name')).toBe('PLAINTEXT');
      expect(p.get('sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
      expect(p.get('super.users')).toBe('User:ANONYMOUS');
      expect(p.get('allow.everyone.if.no.acl.found')).toBe('true');
    });
  });
});

describe('broker property overrides', () => {
  const node = kafka.nodes[0] as (typeof kafka.nodes)[number];

  it('parses key=value lists, trimming, skipping what has no key', () => {
    expect(parseKafkaProps(' a.b = 1 ,c=x=y,,=z,novalue')).toEqual({ 'a.b': '1', c: 'x=y' });
  });

  it('replaces or adds the given properties, and only those', () => {
    const base = parse(serverProperties(node, {}));
    const over = parse(serverProperties(node, { 'replica.fetch.min.bytes': '1', 'new.prop': 'v' }));
    expect(over.get('replica.fetch.min.bytes')).toBe('1');
    expect(base.get('replica.fetch.min.bytes')).not.toBe('1');
    expect(over.get('new.prop')).toBe('v');
    expect([...over].filter(([k, v]) => base.get(k) !== v).map(([k]) => k)).toEqual([
      'replica.fetch.min.bytes',
      'new.prop',
    ]);
  });
});
