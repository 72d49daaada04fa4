// Starts one real `conveyor serve` (SQLite in a scratch directory) for every Vitest file, and
// hands its URL and admin password to the tests through `inject()`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

const ADMIN_PASSWORD = 'admin-password-for-web-tests';
const STARTUP_TIMEOUT_MS = 60_000;

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    adminPassword: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

async function waitHealthy(url: string, server: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`conveyor serve exited (${server.exitCode}):\n${output()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new Error(`conveyor serve did not answer /healthz within ${STARTUP_TIMEOUT_MS} ms:\n${output()}`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const conveyor = process.env.CONVEYOR_BIN ?? resolve(__dirname, '../../.venv/bin/conveyor');
  const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-web-tests-'));
  const port = await freePort();
  const server = spawn(conveyor, ['serve', '--host', '127.0.0.1', '--port', String(port)], {
    env: {
      ...process.env,
      CONVEYOR_DATA_DIR: dataDir,
      CONVEYOR_ADMIN_PASSWORD: ADMIN_PASSWORD,
      CONVEYOR_ENVIRONMENT: 'test',
      CONVEYOR_WS_AUTH_GRACE_SECONDS: '2',
      CONVEYOR_WS_RATE_LIMIT_PER_SECOND: '200',
      CONVEYOR_WS_RATE_LIMIT_BURST: '400',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, server, () => log);
  } catch (error) {
    server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  project.provide('baseUrl', url);
  project.provide('adminPassword', ADMIN_PASSWORD);
  return async () => {
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
