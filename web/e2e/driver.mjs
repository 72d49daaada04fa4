// A headless Chromium (Debian's, driven by playwright-core) controlled line by line over
// stdin/stdout, so Python tests (tests/e2e/test_dashboard.py) can drive the browser step by
// step while they act on the server in between. Each input line is a JSON command; each output
// line is {"ok": true, "value": ...} or {"ok": false, "error": "..."}.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ARGS,
  headless: true,
});
const page = await browser.newPage();
const consoleErrors = [];
page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
page.on('pageerror', (error) => consoleErrors.push(String(error.stack ?? error)));

const locate = ({ selector, text }) => {
  const found = page.locator(selector);
  return (text === undefined ? found : found.filter({ hasText: text })).first();
};

const commands = {
  goto: async ({ url }) => void (await page.goto(url)),
  fill: async (cmd) => void (await locate(cmd).fill(cmd.value)),
  select: async (cmd) => void (await locate(cmd).selectOption(cmd.value)),
  click: async (cmd) => void (await locate(cmd).click({ timeout: cmd.timeout ?? 10_000 })),
  waitFor: async (cmd) => void (await locate(cmd).waitFor({ state: cmd.state ?? 'visible', timeout: cmd.timeout ?? 10_000 })),
  text: async (cmd) => locate(cmd).innerText({ timeout: cmd.timeout ?? 10_000 }),
  press: async ({ key }) => void (await page.keyboard.press(key)),
  type: async ({ text }) => void (await page.keyboard.type(text)),
  url: async () => page.url(),
  count: async (cmd) => page.locator(cmd.selector).count(),
  evaluate: async ({ expression }) => page.evaluate(expression),
  download: async (cmd) => {
    const [file] = await Promise.all([page.waitForEvent('download', { timeout: cmd.timeout ?? 10_000 }), locate(cmd).click()]);
    return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
  },
  viewport: async ({ width, height }) => void (await page.setViewportSize({ width, height })),
  screenshot: async ({ path }) => void (await page.screenshot({ path, fullPage: true })),
  consoleErrors: async () => consoleErrors,
  close: async () => {
    await browser.close();
    process.exit(0);
  },
};

const reply = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
reply({ ok: true, value: 'ready' });

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  try {
    const command = JSON.parse(line);
    const run = commands[command.cmd];
    if (!run) throw new Error(`unknown command ${command.cmd}`);
    reply({ ok: true, value: (await run(command)) ?? null });
  } catch (error) {
    reply({ ok: false, error: String(error?.message ?? error) });
  }
}
await browser.close();
