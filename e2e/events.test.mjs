// A fan takes a place at a city meetup on a phone and sees the ticket's QR code; staff scan it
// at the door with the network cut, and the check-in is recorded once when the network returns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, signIn, PHONE } from "./sweep.mjs";

const BASE = process.env.CANYU_URL;
const STAFF = [process.env.STAFF_HANDLE, process.env.STAFF_PASSWORD];

async function call(method, path, token, body) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(BASE + "/api/v1" + path, { method, headers, body: body && JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

const iso = (ms) => new Date(Date.now() + ms).toISOString();
const HOUR = 3_600_000;

test("a ticket taken on a phone is scanned offline and checked in once when back online", { timeout: 180_000 }, async () => {
  assert.ok(BASE, "CANYU_URL is set by run.sh");
  const staff = (await call("POST", "/auth/login", null, { handle: STAFF[0], password: STAFF[1] })).body.token;
  const created = await call("POST", "/events", staff, {
    title: "E2E 同城会 · 扫码测试", kind: "meetup", city: "杭州", venue: "西湖边 · 小米之家",
    starts_at: iso(72 * HOUR), ends_at: iso(75 * HOUR), rsvp_opens_at: iso(-HOUR), rsvp_closes_at: iso(70 * HOUR),
    capacity: 5, max_guests: 1,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const event = created.body.id;
  const fan = { handle: `e2e_meetup_${Date.now() % 100000}`, password: "fan-password-e2e-1" };
  assert.equal((await call("POST", "/auth/register", null, fan)).status, 201);

  const browser = await launchBrowser();
  try {
    // The fan, on a phone.
    const phone = await browser.newContext({ viewport: PHONE, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    await signIn(phone, BASE, fan.handle, fan.password);
    const page = await phone.newPage();
    await page.goto(`${BASE}/events/${event}`);
    await page.selectOption("[data-testid=rsvp-guests]", "1");
    await page.click("[data-testid=rsvp-button]");
    await page.waitForSelector("[data-testid=place-status][data-status=confirmed]");
    const qr = page.locator("[data-testid=ticket-qr] svg");
    await qr.waitFor();
    const box = await qr.boundingBox();
    assert.ok(box.width >= 200 && box.width <= 390, `the QR code fits the phone: ${box.width}`);
    const ticket = (await page.textContent("[data-testid=ticket-code]")).trim();
    assert.match(ticket, /^CY1\./);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, "no horizontal scrolling on a phone");

    // Staff at the door, also on a phone; the network drops.
    const door = await browser.newContext({ viewport: PHONE, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    await signIn(door, BASE, ...STAFF);
    const scanner = await door.newPage();
    await scanner.goto(`${BASE}/events/${event}/scan`);
    await scanner.waitForSelector("[data-testid=scan-network][data-online='1']");
    await door.setOffline(true);
    await scanner.waitForSelector("[data-testid=scan-network][data-online='0']");

    // A forged ticket is refused offline, by the signature.
    const forged = ticket.slice(0, -6) + (ticket.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA");
    await scanner.fill("[data-testid=scan-input]", forged);
    await scanner.click("[data-testid=scan-submit]");
    await scanner.waitForSelector("[data-testid=scan-result][data-kind=invalid]");

    await scanner.fill("[data-testid=scan-input]", ticket);
    await scanner.click("[data-testid=scan-submit]");
    await scanner.waitForSelector("[data-testid=scan-result][data-kind=ok]");
    assert.equal((await scanner.textContent("[data-testid=scan-queue]")).trim(), "1", "kept while offline");
    // Scanned twice on this device: told at once, queued once.
    await scanner.fill("[data-testid=scan-input]", ticket);
    await scanner.click("[data-testid=scan-submit]");
    await scanner.waitForSelector("[data-testid=scan-result][data-kind=again]");
    assert.equal((await scanner.textContent("[data-testid=scan-queue]")).trim(), "1");
    const before = await call("GET", `/events/${event}/checkins`, staff);
    assert.equal(before.body.items.length, 0, "nothing reached the server while offline");

    // The network returns: the scan is uploaded, once.
    await door.setOffline(false);
    await scanner.waitForFunction(() => document.querySelector("[data-testid=scan-queue]").textContent.trim() === "0");
    await scanner.waitForSelector("[data-testid=scan-log] li");
    const after = await call("GET", `/events/${event}/checkins`, staff);
    assert.deepEqual(after.body.items.map((s) => s.outcome), ["checked_in"]);
    assert.equal(after.body.items[0].handle, fan.handle);
    const shown = await call("GET", `/events/${event}`, null);
    assert.equal(shown.body.checked_in, 2, "the fan and the guest");

    // The fan's page says so.
    await page.reload();
    await page.waitForSelector("[data-testid=checked-in]");
    await phone.close();
    await door.close();
  } finally {
    await browser.close();
  }
});
