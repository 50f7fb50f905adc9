import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { startVigilLocal, teamToken, type VigilLocalProcess } from '../support/vigil-local-process.js';
import { renderApiExchange } from './api-answer-page.js';
import { launchChromium, screenshotPath } from './chromium.js';

interface Finding {
  id: string;
  team: string;
  severity: string;
  title: string;
}

interface SlackMessage {
  channel: string;
  text: string;
}

/** The team whose view the README shows: its Slack channel and its answer from the API. */
const TEAM = 'payments';
const SEVERITY_LINE = new RegExp(`(CRITICAL|HIGH|MEDIUM|LOW|INFORMATIONAL) · [A-Za-z ]+ · ${TEAM}`);

async function getJson<T>(url: string, token?: string): Promise<T> {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

describe('npm start in a browser: the pictures of the README', () => {
  let vigil: VigilLocalProcess;
  let browser: Browser;
  let page: Page;
  /** Every finding of the team, as an admin sees them. */
  let teamFindings: Finding[];

  beforeAll(async () => {
    [vigil, browser] = await Promise.all([startVigilLocal(), launchChromium(inject('chromiumExecutable'))]);
    teamFindings = (await getJson<{ items: Finding[] }>(`${vigil.urls.api}/findings?team=${TEAM}&limit=100`, vigil.adminToken)).items;
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  beforeEach(async () => {
    // About as wide as the README shows a picture, so its text stays readable there.
    page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  });

  afterEach(async () => {
    await page.close();
  });

  it('the Slack page shows every message of the team, each naming the team and one of its findings', async () => {
    // Prepare: what the local Slack recorded for the team's channel
    const recorded = (await getJson<{ messages: SlackMessage[] }>(`${vigil.urls.slack}/messages`)).messages.filter((m) => m.channel === `webhook:${TEAM}`);
    expect(recorded.length).toBeGreaterThanOrEqual(3);
    expect(teamFindings.length).toBeGreaterThanOrEqual(recorded.length);
    // Act
    await page.goto(`${vigil.urls.slack}/?channel=${encodeURIComponent(`webhook:${TEAM}`)}`);
    // Assess: one article per message, each a readable finding message of the team
    const articles = page.locator('article.message');
    expect(await articles.count()).toBe(recorded.length);
    expect(await page.locator('h1').innerText()).toContain(`#${TEAM}`);
    const texts = await articles.allInnerTexts();
    const titles = teamFindings.map((f) => f.title);
    for (const text of texts) {
      expect(text).toMatch(SEVERITY_LINE);
      expect(titles.some((title) => text.includes(title)), `no finding title of ${TEAM} in:\n${text}`).toBe(true);
      expect(text).toMatch(/Account\n[\s\S]*Owner\n/);
    }
    // ... and each coloured by its severity
    for (let i = 0; i < recorded.length; i++) {
      const severity = SEVERITY_LINE.exec(texts[i]!)![1]!.toLowerCase();
      expect(await articles.nth(i).getAttribute('data-tone')).toBe(severity);
    }
    await page.screenshot({ path: screenshotPath('slack.png') });
  });

  it("the API answers a team's token with that team's findings only", async () => {
    // Prepare: the organization has findings of other teams too, which this token must not see
    expect(new Set((await getJson<{ items: Finding[] }>(`${vigil.urls.api}/findings?limit=100`, vigil.adminToken)).items.map((f) => f.team)).size).toBeGreaterThan(1);
    const url = `${vigil.urls.api}/findings?minSeverity=HIGH&limit=3`;
    await page.setExtraHTTPHeaders({ authorization: `Bearer ${teamToken(TEAM)}` });
    // Act: the browser asks, with no team filter: a member's listing is its own teams'
    const response = await page.goto(url);
    const answer = JSON.parse(await page.locator('pre').innerText()) as { items: Finding[]; nextCursor?: string };
    // Assess
    expect(response?.status()).toBe(200);
    expect(answer.items).toHaveLength(3);
    const ids = new Set(teamFindings.map((f) => f.id));
    for (const finding of answer.items) {
      expect(finding.team).toBe(TEAM);
      expect(['HIGH', 'CRITICAL']).toContain(finding.severity);
      expect(ids.has(finding.id)).toBe(true);
    }
    expect(answer.nextCursor).toEqual(expect.any(String));
    await page.setContent(renderApiExchange({ method: 'GET', url, caller: `a token of team ${TEAM}, from vigil token --team ${TEAM}`, status: response!.status(), contentType: response!.headers()['content-type'] ?? '', body: answer }));
    const shown = await page.locator('#answer').innerText();
    expect(JSON.parse(shown)).toEqual(answer);
    await page.screenshot({ path: screenshotPath('api.png'), fullPage: true });
  });
});
