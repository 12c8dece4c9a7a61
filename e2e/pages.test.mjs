// Every page of a demo site, as a visitor, a fan and a staff member, at a phone's width
// (390 px) and a desktop's (1440 px): no horizontal overflow, no console error, no serious or
// critical axe-core violation. run.sh starts `canyu demo` for it (CANYU_DEMO_URL).
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, checkPage, signIn, PHONE, DESKTOP } from "./sweep.mjs";

const BASE = process.env.CANYU_DEMO_URL;
const STAFF = ["xiaomi_staff", "canyu-demo-2026"];
const FAN_PASSWORD = "canyu-fan-2026";

async function api(path, token) {
  const res = await fetch(BASE + "/api/v1" + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return res.json();
}

async function login(handle, password) {
  const res = await fetch(BASE + "/api/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ handle, password }),
  });
  assert.equal(res.status, 200, `login ${handle}`);
  return (await res.json()).token;
}

/** The ids and names the pages need, found the way a visitor would: from lists and pages. */
async function discover() {
  const products = (await api("/products")).items ?? (await api("/products"));
  const slugs = products.map((p) => p.slug);
  let wave = null;
  let campaign = null;
  let product = slugs[0];
  for (const slug of slugs) {
    const html = await (await fetch(`${BASE}/products/${slug}/waves`)).text();
    const w = html.match(/href="\/waves\/(\d+)"/);
    const c = html.match(/href="\/campaigns\/(\d+)"/);
    if (w && c) {
      [wave, campaign, product] = [w[1], c[1], slug];
      break;
    }
  }
  assert.ok(wave && campaign, "the demo has a product with a wave and a campaign");
  const posts = await api(`/posts?product=${product}&limit=1`);
  const post = posts.items[0];
  const releases = await api(`/products/${product}/releases`);
  const release = (releases.items ?? releases)[0];
  // The demo's events: the first full one (a waitlist) and a city club.
  const events = (await api("/events")).items;
  const event = (events.find((e) => e.waitlisted > 0) ?? events[0]).id;
  const club = (await api("/clubs")).items[0].id;
  return { product, wave, campaign, post: post.id, fan: post.author.handle, release: release && release.id, event, club };
}

test("every page fits a phone and a desktop, logs no error and passes axe", { timeout: 600_000 }, async (t) => {
  assert.ok(BASE, "CANYU_DEMO_URL is set by run.sh");
  const d = await discover();
  const fanToken = await login(d.fan, FAN_PASSWORD);
  const orders = await api("/me/orders", fanToken);
  const launchOrder = (orders.items ?? orders).find((o) => o.launch)?.id;

  const visitor = [
    "/",
    `/products/${d.product}`,
    `/products/${d.product}?q=${encodeURIComponent("续航")}`,
    `/products/${d.product}/roadmap`,
    `/products/${d.product}/changelog`,
    `/products/${d.product}/beta`,
    `/products/${d.product}/waves`,
    `/products/${d.product}/demands`,
    "/demands",
    "/leaderboard",
    "/search",
    `/search?q=${encodeURIComponent("续航 充电")}`,
    `/search?q=${encodeURIComponent("续航 拖拉机")}`,
    `/posts/${d.post}`,
    `/users/${encodeURIComponent(d.fan)}`,
    `/waves/${d.wave}`,
    `/campaigns/${d.campaign}`,
    `/campaigns/${d.campaign}/live`,
    "/login",
    "/register",
    "/events",
    `/events/${d.event}`,
    `/clubs/${d.club}`,
    `/users/${encodeURIComponent("雷军")}`,
    `/users/${encodeURIComponent("雷军")}/announcements`,
    "/announcements/1",
    "/amas",
    "/amas/1",
    "/amas/2",
    "/amas/2?sort=new",
  ];
  if (d.release) visitor.push(`/releases/${d.release}`);
  const fan = [
    "/",
    `/products/${d.product}/new`,
    `/posts/${d.post}`,
    `/waves/${d.wave}`,
    `/campaigns/${d.campaign}`,
    "/inbox",
    "/orders",
    "/settings",
    `/users/${encodeURIComponent(d.fan)}`,
    "/events",
    `/events/${d.event}`,
    "/devices",
    "/me/referral",
    "/feed",
    `/users/${encodeURIComponent("雷军")}`,
    "/amas/2",
    "/amas/3",
  ];
  if (launchOrder) fan.push(`/launch-orders/${launchOrder}`);
  const staff = [
    "/triage",
    "/admin/catalog",
    `/admin/catalog/products/${d.product}`,
    "/admin/pricing",
    "/admin/channels",
    `/products/${d.product}/releases/new`,
    `/products/${d.product}/waves`,
    `/products/${d.product}/beta`,
    `/campaigns/${d.campaign}`,
    `/posts/${d.post}`,
    `/posts/${d.post}/edit`,
    `/posts/${d.post}/revisions`,
    "/moderation",
    "/moderation/log",
    "/inbox",
    "/settings",
    `/events/${d.event}/console`,
    `/events/${d.event}/scan`,
    "/events/new",
    "/admin/clubs",
    "/amas",
    "/amas/2",
    "/admin/referrals",
    "/insights",
    "/insights/board",
    "/insights/launch",
    "/insights/users",
    "/insights/channels",
    "/insights/events",
    "/insights/referrals",
    "/insights/ecosystem",
    `/insights/ask?q=${encodeURIComponent("续航有什么抱怨？")}`,
    "/insights/digests",
  ];

  const browser = await launchBrowser();
  try {
    for (const [who, paths, credentials] of [
      ["visitor", visitor, null],
      ["fan", fan, [d.fan, FAN_PASSWORD]],
      ["staff", staff, STAFF],
    ]) {
      for (const size of [PHONE, DESKTOP]) {
        await t.test(`${who} at ${size.width} px`, async () => {
          const context = await browser.newContext({ viewport: size, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
          try {
            if (credentials) await signIn(context, BASE, ...credentials);
            const problems = [];
            for (const path of paths) {
              for (const p of await checkPage(context, BASE, path)) problems.push(`${path}: ${p}`);
            }
            assert.deepEqual(problems, [], problems.join("\n"));
          } finally {
            await context.close();
          }
        });
      }
    }
  } finally {
    await browser.close();
  }
});

test("no page shows a time in UTC", { timeout: 120_000 }, async () => {
  const d = await discover();
  for (const path of [`/waves/${d.wave}`, `/campaigns/${d.campaign}`, `/posts/${d.post}`, `/products/${d.product}/waves`]) {
    const html = await (await fetch(BASE + path, { headers: { "Accept-Language": "zh-CN" } })).text();
    // Visible text only: `<time datetime="…Z">` attributes are for machines.
    const text = html.replace(/<script[\s\S]*?<\/script>/g, "").replace(/<[^>]+>/g, " ");
    assert.doesNotMatch(text, /\bUTC\b/, `${path} shows UTC`);
  }
  const wave = await (await fetch(`${BASE}/waves/${d.wave}`)).text();
  assert.match(wave, /北京时间/, "the wave's window names the zone");
});

test("countdowns read naturally in each language", { timeout: 120_000 }, async () => {
  const d = await discover();
  const browser = await launchBrowser();
  try {
    for (const [locale, days] of [["zh-CN", / 天 \d\d:\d\d:\d\d$/], ["en", / days? \d\d:\d\d:\d\d$/]]) {
      const context = await browser.newContext({ viewport: PHONE, locale });
      const page = await context.newPage();
      await page.goto(`${BASE}/campaigns/${d.campaign}?lang=${locale === "en" ? "en" : "zh"}`);
      const clock = page.locator("[data-countdown-clock]");
      if ((await clock.count()) === 0) {
        await context.close();
        continue; // the demo campaign is past its last countdown
      }
      await page.waitForFunction(() => /\d\d:\d\d:\d\d/.test(document.querySelector("[data-countdown-clock]").textContent));
      const text = (await clock.textContent()).trim();
      assert.doesNotMatch(text, /\dd /, `a bare "d" for days: ${text}`);
      // Under a day the clock stands alone; over a day, the days come first, in words.
      if (text.includes(" ")) assert.match(text, days, text);
      await context.close();
    }
  } finally {
    await browser.close();
  }
});
