// Staff publish a city meetup from the event form on a phone; a fan takes a place there and sees
// the ticket's QR code; staff scan it at the door with the network cut, and the check-in is
// recorded once when the network returns.
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

const HOUR = 3_600_000;

/** A wall-clock time in China (no daylight saving), as a datetime-local input takes it. */
const shanghai = (ms) => new Date(Date.now() + ms + 8 * HOUR).toISOString().slice(0, 16);

test("a ticket taken on a phone is scanned offline and checked in once when back online", { timeout: 180_000 }, async () => {
  assert.ok(BASE, "CANYU_URL is set by run.sh");
  const staff = (await call("POST", "/auth/login", null, { handle: STAFF[0], password: STAFF[1] })).body.token;
  const fan = { handle: `e2e_meetup_${Date.now() % 100000}`, password: "fan-password-e2e-1" };
  assert.equal((await call("POST", "/auth/register", null, fan)).status, 201);

  const browser = await launchBrowser();
  try {
    // Staff publish the event from the form, on a phone, times in the venue's zone.
    const door = await browser.newContext({ viewport: PHONE, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    await signIn(door, BASE, ...STAFF);
    const form = await door.newPage();
    await form.goto(`${BASE}/events`);
    await form.click("[data-testid=new-event]");
    await form.waitForSelector("[data-testid=event-form]");
    await form.fill("[data-testid=event-title-input]", "E2E 同城会 · 扫码测试");
    await form.check("input[name=kind][value=meetup]");
    await form.fill("[data-testid=event-city]", "杭州");
    await form.fill("[data-testid=event-venue]", "西湖边 · 小米之家");
    await form.selectOption("[data-testid=event-zone]", "Asia/Shanghai");
    await form.fill("[data-testid=event-starts]", shanghai(72 * HOUR));
    await form.fill("[data-testid=event-ends]", shanghai(75 * HOUR));
    await form.fill("[data-testid=event-opens]", shanghai(-HOUR));
    await form.fill("[data-testid=event-closes]", shanghai(70 * HOUR));
    await form.fill("[data-testid=event-capacity]", "5");
    await form.fill("[data-testid=event-guests]", "1");
    const wide = await form.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(wide, false, "the form fits a phone");
    await Promise.all([form.waitForURL(/\/events\/\d+$/), form.click("[data-testid=event-submit]")]);
    const event = Number(new URL(form.url()).pathname.split("/").pop());
    const created = await call("GET", `/events/${event}`, null);
    assert.equal(created.body.capacity, 5);
    assert.equal(created.body.time_zone, "Asia/Shanghai");
    assert.equal(created.body.free, 5);
    await form.close();

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

    // Staff at the door, on the same phone; the network drops.
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
