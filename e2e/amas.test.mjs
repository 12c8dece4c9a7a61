// An AMA on a phone (the demo site): a new fan opens the live session, asks a question, votes
// for the top one, and sees the host's answer arrive without reloading; another fan's vote
// moves the count on the first fan's screen; the finished session reads as a transcript.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, signIn, PHONE } from "./sweep.mjs";

const BASE = process.env.CANYU_DEMO_URL;
const STAFF = ["xiaomi_staff", "canyu-demo-2026"];
const PASSWORD = "orange-umbrella-2026-米粉";
const SHOTS = process.env.CANYU_SCREENSHOTS;

async function register(handle) {
  const res = await fetch(BASE + "/api/v1/auth/register", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ handle, password: PASSWORD }),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text).token;
}

async function api(method, path, token, body) {
  const res = await fetch(BASE + "/api/v1" + path, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

test("a fan asks and votes in a live AMA on a phone and sees the answer arrive", { timeout: 180_000 }, async () => {
  assert.ok(BASE, "CANYU_DEMO_URL is set by run.sh");
  const list = await (await fetch(BASE + "/api/v1/amas")).json();
  const live = list.current.find((a) => a.phase === "live");
  const over = list.past[0];
  assert.ok(live && over, JSON.stringify(list));
  const handle = `提问者${Date.now() % 100000}`;
  await register(handle);
  const other = await register(`投票者${Date.now() % 100000}`);
  const staff = (await api("POST", "/auth/login", "", { handle: STAFF[0], password: STAFF[1] })).token;

  const browser = await launchBrowser();
  try {
    const fan = await browser.newContext({ viewport: PHONE, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    await signIn(fan, BASE, handle, PASSWORD);
    const page = await fan.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${BASE}/amas`);
    await Promise.all([page.waitForURL(/\/amas\/\d+$/), page.click(`[data-testid=ama-item] a >> text=${live.title}`)]);
    assert.equal((await page.textContent("[data-testid=ama-phase]")).trim(), "直播回答中");
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/ama-live.png`, fullPage: true });

    // Ask: the question joins the list without a reload.
    const question = `冬天停在室外一夜，早上续航会少多少？${Date.now() % 1000}`;
    await page.fill("[data-testid=ama-ask-field]", question);
    await page.click("[data-testid=ama-ask-submit]");
    const mine = page.locator("[data-testid=ama-question]", { hasText: question });
    await mine.waitFor();
    const qid = Number(await mine.getAttribute("data-q"));

    // Vote for the first unanswered question; the count moves at once, and again when
    // another fan votes (from the stream).
    const target = page.locator("[data-testid=ama-questions] [data-testid=ama-question]:not(.is-answered):not([data-own])").first();
    const tid = Number(await target.getAttribute("data-q"));
    const count = target.locator("[data-votes]");
    const before = Number(await count.textContent());
    await target.locator("[data-testid=ama-vote]").click();
    await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel).textContent) === n, [`[data-q="${tid}"] [data-votes]`, before + 1]);
    assert.equal(await target.locator("[data-testid=ama-vote]").getAttribute("aria-pressed"), "true");
    await api("PUT", `/amas/${live.id}/questions/${tid}/vote`, other);
    await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel).textContent) === n, [`[data-q="${tid}"] [data-votes]`, before + 2], { timeout: 10_000 });

    // The host answers the fan's question: it arrives on the phone without a reload.
    const words = `早上出发前预约加热电池，一夜大约少 3% ${Date.now() % 1000}`;
    await api("POST", `/amas/${live.id}/questions/${qid}/answer`, staff, { body: words });
    const arrived = page.locator("[data-testid=ama-answers] [data-testid=ama-answer]", { hasText: words });
    await arrived.waitFor({ timeout: 10_000 });
    await mine.locator("[data-answer]:not([hidden])", { hasText: words }).waitFor();
    assert.equal(await mine.locator("[data-answered-badge]").isVisible(), true);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/ama-answered.png`, fullPage: true });
    assert.deepEqual(errors, []);

    // The finished session is a transcript, answers in order, times in China time.
    await page.goto(`${BASE}/amas/${over.id}`);
    assert.equal((await page.textContent("[data-testid=ama-phase]")).trim(), "已结束");
    assert.equal(await page.locator("[data-testid=ama-ask-field]").count(), 0);
    const answered = page.locator("[data-testid=ama-questions] [data-testid=ama-question].is-answered");
    assert.equal(await answered.count(), over.answered);
    assert.match(await page.textContent("main"), /北京时间/);
    assert.ok(!(await page.textContent("main")).includes("代购"), "the hidden spam question never shows");
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/ama-transcript.png`, fullPage: true });
    await fan.close();
  } finally {
    await browser.close();
  }
});
